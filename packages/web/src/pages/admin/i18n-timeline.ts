/** Strings of the admin timeline page (namespace `admin`, key `timeline`), English and French (issue 22 "web app pages"). */
export const adminTimeline = {
  en: {
    timeline: {
      title: "Timeline of {{name}}",
      link: "Timeline",
      linkLabel: "Timeline of {{name}}",
      types: {
        user: "user",
        school: "school",
        classroom: "classroom",
        group: "group",
        course: "course",
        beacon: "beacon",
        tenant: "school account"
      },
      empty: "Nothing yet: no note, task, review, call, event or file.",
      list: "Notes, tasks and other activity, newest first",
      kinds: {
        note: "Note",
        task: "Task",
        review: "Review",
        call: "Call",
        event: "Event",
        attachment: "File",
        footprint: "Carbon"
      },
      by: "by {{who}}",
      footprint: "scope {{scope}} · {{category}} · {{quantity}} {{unit}} → {{kg}} kg CO₂e ({{from}} – {{to}})",
      pinned: "Pinned",
      priority: { low: "Low priority", normal: "Normal priority", high: "High priority", urgent: "Urgent" },
      newNote: "Add a note",
      body: "Note (Markdown: **bold**, lists, links)",
      pin: "Pin it to the top",
      priorityLabel: "Priority",
      noteSaved: "The note is added.",
      newTask: "Add a task",
      taskTitle: "Task",
      due: "Due (your time zone)",
      taskSaved: "The task “{{title}}” is added.",
      status: "Status of “{{title}}”",
      statuses: { todo: "To do", in_progress: "In progress", done: "Done", canceled: "Canceled" },
      statusSaved: "“{{title}}” is now {{status}}.",
      dueAt: "due {{when}}",
      rating: "{{rating}} out of 5",
      duration: "{{minutes}} min",
      directions: { inbound: "incoming", outbound: "outgoing" },
      version: "version {{n}}, {{size}} KB",
      files: {
        new: "Add a file",
        file: "File (PDF, image, text or CSV; at most 10 MB)",
        choose: "Choose a file first.",
        uploaded: "“{{name}}” is added.",
        tooLarge: "This file is too large: at most 10 MB, and the school account has a storage limit.",
        unsupported:
          "This file is not accepted: only PDF, PNG, JPEG, GIF, WebP, plain text and CSV files, checked by their content.",
        download: "Download “{{name}}”",
        delete: "Delete “{{name}}”",
        deleted: "“{{name}}” is deleted.",
        versionFile: "New version of “{{name}}”",
        newVersion: "Upload a new version of “{{name}}”",
        versioned: "“{{name}}” is now version {{n}}."
      }
    }
  },
  fr: {
    timeline: {
      title: "Historique de {{name}}",
      link: "Historique",
      linkLabel: "Historique de {{name}}",
      types: {
        user: "utilisateur",
        school: "établissement",
        classroom: "salle",
        group: "groupe",
        course: "cours",
        beacon: "balise",
        tenant: "compte de l’établissement"
      },
      empty: "Rien pour l’instant : aucune note, tâche, évaluation, appel, événement ni fichier.",
      list: "Notes, tâches et autres activités, les plus récentes d’abord",
      kinds: {
        note: "Note",
        task: "Tâche",
        review: "Évaluation",
        call: "Appel",
        event: "Événement",
        attachment: "Fichier",
        footprint: "Carbone"
      },
      by: "par {{who}}",
      footprint: "scope {{scope}} · {{category}} · {{quantity}} {{unit}} → {{kg}} kg CO₂e ({{from}} – {{to}})",
      pinned: "Épinglée",
      priority: { low: "Priorité basse", normal: "Priorité normale", high: "Priorité haute", urgent: "Urgent" },
      newNote: "Ajouter une note",
      body: "Note (Markdown : **gras**, listes, liens)",
      pin: "L’épingler en haut",
      priorityLabel: "Priorité",
      noteSaved: "La note est ajoutée.",
      newTask: "Ajouter une tâche",
      taskTitle: "Tâche",
      due: "Échéance (votre fuseau horaire)",
      taskSaved: "La tâche « {{title}} » est ajoutée.",
      status: "État de « {{title}} »",
      statuses: { todo: "À faire", in_progress: "En cours", done: "Terminée", canceled: "Annulée" },
      statusSaved: "« {{title}} » est maintenant : {{status}}.",
      dueAt: "échéance {{when}}",
      rating: "{{rating}} sur 5",
      duration: "{{minutes}} min",
      directions: { inbound: "entrant", outbound: "sortant" },
      version: "version {{n}}, {{size}} Ko",
      files: {
        new: "Ajouter un fichier",
        file: "Fichier (PDF, image, texte ou CSV ; 10 Mo au plus)",
        choose: "Choisissez d’abord un fichier.",
        uploaded: "« {{name}} » est ajouté.",
        tooLarge:
          "Ce fichier est trop volumineux : 10 Mo au plus, et le compte de l’établissement a une limite de stockage.",
        unsupported:
          "Ce fichier n’est pas accepté : seuls les PDF, PNG, JPEG, GIF, WebP, textes et CSV le sont, vérifiés d’après leur contenu.",
        download: "Télécharger « {{name}} »",
        delete: "Supprimer « {{name}} »",
        deleted: "« {{name}} » est supprimé.",
        versionFile: "Nouvelle version de « {{name}} »",
        newVersion: "Envoyer une nouvelle version de « {{name}} »",
        versioned: "« {{name}} » est maintenant en version {{n}}."
      }
    }
  }
} as const
