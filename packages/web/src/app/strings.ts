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
      continue: "Sign in to continue where you were.",
      or: "or",
      passkey: "Sign in with a passkey",
      passkeyMfa: "Use a passkey instead",
      passkeyFailed: "No passkey of this school was used, or it was not accepted. Try again or use your password.",
      sso: "Continue with your school account",
      ssoRequired: "This address signs in with your school account, not a password.",
      byCode: "E-mail me a sign-in code instead"
    },
    actions: {
      title: "Before you continue",
      intro: "Your school asks you to do this before you sign in:",
      update_password: "Choose a new password.",
      verify_email: "Confirm your e-mail address: open the link in the e-mail we sent you, then sign in again.",
      configure_mfa: "Set up two-step verification. Ask your administrator how to enrol an authenticator or a passkey.",
      newPassword: "New password",
      save: "Save and continue",
      same: "Choose a password different from your current one.",
      weak: "This password does not meet your school's rules: {{message}}",
      expired: "This step took too long. Sign in again.",
      restart: "Sign in again"
    },
    codeLogin: {
      title: "Sign in with an e-mail code",
      send: "E-mail me a code",
      sent: "If your account has a verified e-mail address, a 6-digit code is on its way to it. It is valid for 10 minutes.",
      code: "Code from the e-mail",
      badCode: "That code is not valid, has expired or was already used. Ask for a new one.",
      again: "Send a new code",
      disabled: "Your school does not offer sign-in by e-mail code.",
      password: "Sign in with a password instead"
    },
    ssoError: {
      email_missing: "Your school account did not share an e-mail address with Signet. Ask your administrator.",
      email_unverified: "Your school account's e-mail address is not verified. Ask your administrator.",
      domain_not_served: "This school account's address does not sign in to this school.",
      no_account: "There is no Signet account for this address yet. Ask your administrator to create one.",
      account_disabled: "This account cannot sign in. Contact your administrator.",
      access_denied: "Sign-in was cancelled at your school account.",
      browser_mismatch: "The sign-in did not start in this browser. Start again here.",
      expired: "Your sign-in took too long. Start again.",
      quota: "Your school has reached its plan's number of users. Contact your administrator.",
      rate_limited: "Too many attempts. Wait a minute and try again.",
      other: "Signing in with your school account failed. Try again or contact your administrator."
    },
    recovery: {
      forgot: "Forgot your password?",
      forgotTitle: "Reset your password",
      forgotHint:
        "Enter the e-mail address or username of your account. If it has an e-mail address, we send it a link to choose a new password.",
      send: "Send the link",
      sent: "If an account matches, a link is on its way. It works once, for 30 minutes. Check your spam folder if nothing arrives.",
      resetTitle: "Choose a new password",
      newPassword: "New password",
      confirmPassword: "New password again",
      mismatch: "The two passwords differ.",
      save: "Set the password",
      done: "Your password is changed and your other sessions are signed out. Sign in with the new password.",
      invalid: "This link is invalid or has expired. Ask for a new one.",
      again: "Ask for a new link",
      noToken: "This page opens from the link in the e-mail.",
      toLogin: "Back to sign-in",
      rateLimited: "Too many requests. Try again in {{seconds}} s.",
      verifyTitle: "E-mail address",
      verifying: "Checking the link…",
      verified: "Your e-mail address {{email}} is confirmed.",
      verifyInvalid: "This confirmation link is invalid or has expired. Ask for a new one from your account page."
    },
    invite: {
      title: "Welcome",
      hint: "You are invited to {{school}}. Choose a password to finish setting up your account.",
      invalid: "This invitation link is invalid, has expired or was already used. Ask your school for a new one.",
      save: "Set my password and sign in"
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
      apps: "Apps",
      audit: "Audit log",
      settings: "Settings",
      billing: "Plan",
      sso: "Sign-on",
      channels: "Channels",
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
      continue: "Connectez-vous pour reprendre là où vous en étiez.",
      or: "ou",
      passkey: "Se connecter avec une clé d'accès",
      passkeyMfa: "Utiliser une clé d'accès",
      passkeyFailed:
        "Aucune clé d'accès de cet établissement n'a été utilisée, ou elle a été refusée. Réessayez ou utilisez votre mot de passe.",
      sso: "Continuer avec le compte de l'établissement",
      ssoRequired: "Cette adresse se connecte avec le compte de l'établissement, pas avec un mot de passe.",
      byCode: "Recevoir plutôt un code de connexion par e-mail"
    },
    actions: {
      title: "Avant de continuer",
      intro: "Votre établissement vous demande ceci avant la connexion :",
      update_password: "Choisissez un nouveau mot de passe.",
      verify_email:
        "Confirmez votre adresse e-mail : ouvrez le lien de l'e-mail que nous vous avons envoyé, puis reconnectez-vous.",
      configure_mfa:
        "Activez la vérification en deux étapes. Demandez à votre administrateur comment enregistrer une application ou une clé d'accès.",
      newPassword: "Nouveau mot de passe",
      save: "Enregistrer et continuer",
      same: "Choisissez un mot de passe différent de l'actuel.",
      weak: "Ce mot de passe ne respecte pas les règles de votre établissement : {{message}}",
      expired: "Cette étape a pris trop de temps. Reconnectez-vous.",
      restart: "Se reconnecter"
    },
    codeLogin: {
      title: "Connexion avec un code reçu par e-mail",
      send: "M'envoyer un code",
      sent: "Si votre compte a une adresse e-mail vérifiée, un code à 6 chiffres vient d'y être envoyé. Il est valable 10 minutes.",
      code: "Code reçu par e-mail",
      badCode: "Ce code n'est pas valide, a expiré ou a déjà servi. Demandez-en un nouveau.",
      again: "Envoyer un nouveau code",
      disabled: "Votre établissement ne propose pas la connexion par code e-mail.",
      password: "Se connecter plutôt avec un mot de passe"
    },
    ssoError: {
      email_missing:
        "Le compte de l'établissement n'a pas transmis d'adresse e-mail à Signet. Contactez votre administrateur.",
      email_unverified:
        "L'adresse e-mail du compte de l'établissement n'est pas vérifiée. Contactez votre administrateur.",
      domain_not_served: "L'adresse de ce compte ne permet pas de se connecter à cet établissement.",
      no_account:
        "Aucun compte Signet n'existe encore pour cette adresse. Demandez à votre administrateur d'en créer un.",
      account_disabled: "Ce compte ne peut pas se connecter. Contactez votre administrateur.",
      access_denied: "La connexion a été annulée sur le compte de l'établissement.",
      browser_mismatch: "La connexion n'a pas commencé dans ce navigateur. Recommencez ici.",
      expired: "La connexion a pris trop de temps. Recommencez.",
      quota: "Votre établissement a atteint le nombre d'utilisateurs de son offre. Contactez votre administrateur.",
      rate_limited: "Trop de tentatives. Attendez une minute puis réessayez.",
      other: "La connexion avec le compte de l'établissement a échoué. Réessayez ou contactez votre administrateur."
    },
    recovery: {
      forgot: "Mot de passe oublié ?",
      forgotTitle: "Réinitialiser le mot de passe",
      forgotHint:
        "Saisissez l'adresse e-mail ou l'identifiant de votre compte. S'il a une adresse e-mail, nous y envoyons un lien pour choisir un nouveau mot de passe.",
      send: "Envoyer le lien",
      sent: "Si un compte correspond, un lien est en route. Il sert une fois, pendant 30 minutes. Regardez dans les indésirables si rien n'arrive.",
      resetTitle: "Choisir un nouveau mot de passe",
      newPassword: "Nouveau mot de passe",
      confirmPassword: "Nouveau mot de passe, encore",
      mismatch: "Les deux mots de passe diffèrent.",
      save: "Enregistrer le mot de passe",
      done: "Votre mot de passe est changé et vos autres sessions sont fermées. Connectez-vous avec le nouveau mot de passe.",
      invalid: "Ce lien n'est pas valide ou a expiré. Demandez-en un nouveau.",
      again: "Demander un nouveau lien",
      noToken: "Cette page s'ouvre depuis le lien de l'e-mail.",
      toLogin: "Retour à la connexion",
      rateLimited: "Trop de demandes. Réessayez dans {{seconds}} s.",
      verifyTitle: "Adresse e-mail",
      verifying: "Vérification du lien…",
      verified: "Votre adresse e-mail {{email}} est confirmée.",
      verifyInvalid:
        "Ce lien de confirmation n'est pas valide ou a expiré. Demandez-en un nouveau depuis la page de votre compte."
    },
    invite: {
      title: "Bienvenue",
      hint: "Vous êtes invité(e) sur {{school}}. Choisissez un mot de passe pour terminer la création de votre compte.",
      invalid:
        "Ce lien d'invitation n'est pas valide, a expiré ou a déjà servi. Demandez-en un nouveau à votre établissement.",
      save: "Choisir mon mot de passe et me connecter"
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
      apps: "Applications",
      audit: "Journal d'audit",
      settings: "Paramètres",
      billing: "Abonnement",
      sso: "Connexion unique",
      channels: "Canaux",
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
