/** Strings of the teacher pages (i18next namespace `teacher`), English and French. */
export const teacher = {
  en: {},
  fr: {}
} as const
