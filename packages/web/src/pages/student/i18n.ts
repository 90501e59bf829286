/** Strings of the student pages (i18next namespace `student`), English and French. */
export const student = {
  en: {
    sign: {
      title: "Sign in to class",
      signing: "Signing you in…",
      ACCEPTED: "You are marked present.",
      LATE: "You are marked late.",
      REFUSED: "Your signature was refused.",
      PENDING: "Your signature is waiting for a decision.",
      already: "You had already signed this course.",
      manual: "Type the code shown in class",
      code: "8-digit code",
      submit: "Sign",
      badLink: "This link is incomplete. Scan the code on the classroom screen again, or type it below.",
      again: "Sign another course",
      rateLimited: "Too many attempts. Try again in {{seconds}} s.",
      reason: {
        COURSE_NOT_FOUND: "This course does not exist, or it is not one of your school's.",
        COURSE_OTHER_SCHOOL: "This course belongs to another school.",
        COURSE_NOT_STARTED: "The course has not started yet.",
        COURSE_ENDED: "The course is over.",
        COURSE_CLOSED: "The course is closed: signing is no longer possible.",
        SIGNING_CLOSED: "Signing is closed for this course.",
        NOT_ENROLLED: "You are not enrolled in this course.",
        TEACHER_NOT_ASSIGNED: "No teacher is assigned to this course.",
        TEACHER_NOT_SIGNED: "Your teacher has not opened the signature yet. Try again in a moment.",
        METHOD_DISABLED: "Signing by QR code is turned off for this course.",
        QR_CODE_INVALID: "This code is not valid for this course.",
        QR_CODE_EXPIRED: "This code has expired. Scan the code on the screen again.",
        IP_NOT_ALLOWED: "You must be on the school's network to sign.",
        DEVICE_NOT_REGISTERED: "This device is not registered.",
        CLASSROOM_NOT_LINKED: "This classroom is not linked to the course."
      }
    },
    today: {
      title: "Today",
      none: "No course today.",
      status: { PRESENT: "Present", LATE: "Late", ABSENT: "Absent", EXCUSED: "Excused", none: "Not signed" }
    }
  },
  fr: {
    sign: {
      title: "Signer en cours",
      signing: "Signature en cours…",
      ACCEPTED: "Vous êtes noté présent.",
      LATE: "Vous êtes noté en retard.",
      REFUSED: "Votre signature a été refusée.",
      PENDING: "Votre signature attend une décision.",
      already: "Vous aviez déjà signé ce cours.",
      manual: "Saisissez le code affiché en classe",
      code: "Code à 8 chiffres",
      submit: "Signer",
      badLink: "Ce lien est incomplet. Scannez à nouveau le code affiché en classe, ou saisissez-le ci-dessous.",
      again: "Signer un autre cours",
      rateLimited: "Trop de tentatives. Réessayez dans {{seconds}} s.",
      reason: {
        COURSE_NOT_FOUND: "Ce cours n'existe pas, ou n'est pas de votre établissement.",
        COURSE_OTHER_SCHOOL: "Ce cours appartient à un autre établissement.",
        COURSE_NOT_STARTED: "Le cours n'a pas encore commencé.",
        COURSE_ENDED: "Le cours est terminé.",
        COURSE_CLOSED: "Le cours est clôturé : la signature n'est plus possible.",
        SIGNING_CLOSED: "La signature est fermée pour ce cours.",
        NOT_ENROLLED: "Vous n'êtes pas inscrit à ce cours.",
        TEACHER_NOT_ASSIGNED: "Aucun enseignant n'est affecté à ce cours.",
        TEACHER_NOT_SIGNED: "Votre enseignant n'a pas encore ouvert la signature. Réessayez dans un instant.",
        METHOD_DISABLED: "La signature par QR code est désactivée pour ce cours.",
        QR_CODE_INVALID: "Ce code n'est pas valide pour ce cours.",
        QR_CODE_EXPIRED: "Ce code a expiré. Scannez à nouveau le code affiché.",
        IP_NOT_ALLOWED: "Vous devez être sur le réseau de l'établissement pour signer.",
        DEVICE_NOT_REGISTERED: "Cet appareil n'est pas enregistré.",
        CLASSROOM_NOT_LINKED: "Cette salle n'est pas liée au cours."
      }
    },
    today: {
      title: "Aujourd'hui",
      none: "Aucun cours aujourd'hui.",
      status: { PRESENT: "Présent", LATE: "En retard", ABSENT: "Absent", EXCUSED: "Excusé", none: "Non signé" }
    }
  }
} as const
