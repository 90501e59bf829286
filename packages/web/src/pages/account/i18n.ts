/** Strings of the account pages (i18next namespace `account`), English and French. */
export const account = {
  en: {},
  fr: {}
} as const
