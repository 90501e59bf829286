/** Strings of the admin pages (i18next namespace `admin`), English and French. */
export const admin = {
  en: {},
  fr: {}
} as const
