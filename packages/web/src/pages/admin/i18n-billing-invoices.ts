/** Strings of the invoices section of the billing page (namespace `admin`, key `invoices`), English and French (issue 20). */
export const adminInvoices = {
  en: {
    invoices: {
      title: "Invoices",
      intro: "One invoice per closed billing period, mailed with its PDF to the school's billing contact.",
      contactLink: "Set the billing contact (setting billing.contact_email)",
      none: "No invoice yet: the first one is made when the current period closes.",
      caption: "Invoices, newest first",
      number: "Number",
      period: "Period",
      total: "Total",
      status: "Status",
      actions: "Actions",
      statuses: { draft: "Draft", finalized: "To pay", paid: "Paid", void: "Void" },
      pdf: "PDF",
      pay: "Pay online",
      downloaded: "{{number}} downloaded.",
      creditNotes: "Credit notes",
      noCreditNote: "No credit note against {{number}}.",
      credited: "{{amount}} credited"
    }
  },
  fr: {
    invoices: {
      title: "Factures",
      intro:
        "Une facture par période de facturation close, envoyée avec son PDF au contact de facturation de l'établissement.",
      contactLink: "Choisir le contact de facturation (réglage billing.contact_email)",
      none: "Aucune facture pour l'instant : la première est établie à la clôture de la période en cours.",
      caption: "Factures, les plus récentes d'abord",
      number: "Numéro",
      period: "Période",
      total: "Total",
      status: "État",
      actions: "Actions",
      statuses: { draft: "Brouillon", finalized: "À payer", paid: "Payée", void: "Annulée" },
      pdf: "PDF",
      pay: "Payer en ligne",
      downloaded: "{{number}} téléchargée.",
      creditNotes: "Avoirs",
      noCreditNote: "Aucun avoir sur {{number}}.",
      credited: "{{amount}} crédités"
    }
  }
} as const
