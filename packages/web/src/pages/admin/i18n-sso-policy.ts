/** Strings of the "SSO only for everyone" section of the single sign-on page (namespace `admin`, key `ssoPolicy`), English and French (issue 19 §2). */
export const adminSsoPolicy = {
  en: {
    ssoPolicy: {
      title: "SSO only for every account",
      intro:
        "When on, everyone signs in through an SSO connection: passwords, e-mail codes and passkeys are refused, except for the break-glass accounts below (for the day the identity provider is down). It needs a connection and at least one break-glass account.",
      on: "On: every account but the break-glass ones signs in with SSO only.",
      off: "Off: people may sign in with a password (unless their domain's connection says SSO only).",
      turnOn: "Turn SSO only on",
      turnOff: "Turn SSO only off",
      turnedOn: "SSO only is on.",
      turnedOff: "SSO only is off.",
      keepers: "Break-glass accounts",
      noKeepers: "No break-glass account yet.",
      remove: "Remove",
      find: "Find a person (name or e-mail)",
      search: "Search",
      results: "People found",
      nobody: "Nobody active matches.",
      mark: "Make break-glass account",
      already: "Break-glass account",
      marked: "{{name}} is a break-glass account.",
      unmarked: "{{name}} is no longer a break-glass account."
    }
  },
  fr: {
    ssoPolicy: {
      title: "SSO obligatoire pour tous les comptes",
      intro:
        "Activé, tout le monde se connecte par une connexion SSO : mots de passe, codes par e-mail et clés d'accès sont refusés, sauf pour les comptes de secours ci-dessous (pour le jour où le fournisseur d'identité est en panne). Il faut une connexion et au moins un compte de secours.",
      on: "Activé : tous les comptes sauf ceux de secours se connectent uniquement par SSO.",
      off: "Désactivé : on peut se connecter avec un mot de passe (sauf si la connexion de son domaine impose le SSO).",
      turnOn: "Activer le SSO obligatoire",
      turnOff: "Désactiver le SSO obligatoire",
      turnedOn: "Le SSO obligatoire est activé.",
      turnedOff: "Le SSO obligatoire est désactivé.",
      keepers: "Comptes de secours",
      noKeepers: "Aucun compte de secours pour l'instant.",
      remove: "Retirer",
      find: "Trouver une personne (nom ou e-mail)",
      search: "Rechercher",
      results: "Personnes trouvées",
      nobody: "Aucune personne active ne correspond.",
      mark: "En faire un compte de secours",
      already: "Compte de secours",
      marked: "{{name}} est un compte de secours.",
      unmarked: "{{name}} n'est plus un compte de secours."
    }
  }
} as const
