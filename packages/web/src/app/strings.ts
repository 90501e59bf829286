/** Strings shared by every page (i18next namespace `common`), English and French. */
export const common = {
  en: {
    brand: "Signet",
    tenant: {
      title: "Your school",
      label: "School code",
      hint: "The short name in your school's Signet address",
      go: "Continue"
    },
    login: {
      title: "Sign in",
      login: "E-mail or username",
      password: "Password",
      submit: "Sign in",
      totpTitle: "Two-step verification",
      totp: "Code from your authenticator app",
      recovery: "Use a recovery code instead",
      recoveryCode: "Recovery code",
      verify: "Verify",
      invalid: "Wrong login or password, or the account is locked or disabled.",
      rateLimited: "Too many attempts. Try again in {{seconds}} s.",
      suspended: "This school's account is suspended. Contact your administrator.",
      unknownTenant: "No school with this code.",
      badCode: "That code is not valid. Try the next one shown by your app.",
      expired: "Your sign-in took too long. Start again.",
      continue: "Sign in to continue where you were."
    },
    nav: {
      home: "Today",
      history: "My attendance",
      excuses: "Excuses",
      reports: "Reports",
      users: "Users",
      import: "Imports",
      academics: "School",
      beacons: "Beacons",
      audit: "Audit log",
      settings: "Settings",
      roles: "Roles",
      account: "Account",
      signOut: "Sign out",
      language: "Language",
      menu: "Menu"
    },
    stepUp: {
      why: "For your security, this needs a code from your authenticator app. Enter it, then try again.",
      code: "Code from your authenticator app",
      submit: "Confirm",
      done: "Confirmed. Try again now.",
      setup: "No authenticator app yet? Set up two-step verification in your account."
    },
    loading: "Loading…",
    retry: "Retry",
    save: "Save",
    cancel: "Cancel",
    close: "Close",
    notFound: "This page does not exist.",
    error: {
      network: "The server cannot be reached. Check your connection.",
      generic: "Something went wrong: {{message}}"
    }
  },
  fr: {
    brand: "Signet",
    tenant: {
      title: "Votre établissement",
      label: "Code de l'établissement",
      hint: "Le nom court dans l'adresse Signet de votre établissement",
      go: "Continuer"
    },
    login: {
      title: "Connexion",
      login: "E-mail ou identifiant",
      password: "Mot de passe",
      submit: "Se connecter",
      totpTitle: "Vérification en deux étapes",
      totp: "Code de votre application d'authentification",
      recovery: "Utiliser un code de secours",
      recoveryCode: "Code de secours",
      verify: "Vérifier",
      invalid: "Identifiant ou mot de passe incorrect, ou compte verrouillé ou désactivé.",
      rateLimited: "Trop de tentatives. Réessayez dans {{seconds}} s.",
      suspended: "Le compte de cet établissement est suspendu. Contactez votre administrateur.",
      unknownTenant: "Aucun établissement avec ce code.",
      badCode: "Ce code n'est pas valide. Essayez le suivant affiché par votre application.",
      expired: "La connexion a pris trop de temps. Recommencez.",
      continue: "Connectez-vous pour reprendre là où vous en étiez."
    },
    nav: {
      home: "Aujourd'hui",
      history: "Mes présences",
      excuses: "Justificatifs",
      reports: "Rapports",
      users: "Utilisateurs",
      import: "Imports",
      academics: "Établissement",
      beacons: "Balises",
      audit: "Journal d'audit",
      settings: "Paramètres",
      roles: "Rôles",
      account: "Compte",
      signOut: "Se déconnecter",
      language: "Langue",
      menu: "Menu"
    },
    stepUp: {
      why: "Pour votre sécurité, cette action demande un code de votre application d'authentification. Saisissez-le, puis réessayez.",
      code: "Code de votre application d'authentification",
      submit: "Confirmer",
      done: "Confirmé. Réessayez maintenant.",
      setup: "Pas encore d'application d'authentification ? Activez la vérification en deux étapes dans votre compte."
    },
    loading: "Chargement…",
    retry: "Réessayer",
    save: "Enregistrer",
    cancel: "Annuler",
    close: "Fermer",
    notFound: "Cette page n'existe pas.",
    error: {
      network: "Le serveur est injoignable. Vérifiez votre connexion.",
      generic: "Une erreur est survenue : {{message}}"
    }
  }
} as const
