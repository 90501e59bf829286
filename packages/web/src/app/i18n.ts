/**
 * Translations through i18next (issue 17: English and French at least).
 * Each area of the app has its own namespace file beside its pages; the
 * language is the user's choice (kept in localStorage), else the browser's.
 * Dates and times are formatted with `Intl` in the school's time zone.
 *
 * @module
 */
import { DateTime } from "effect"
import i18next from "i18next"
import { useEffect, useState } from "preact/hooks"
import { account } from "../pages/account/i18n.js"
import { admin } from "../pages/admin/i18n.js"
import { platform } from "../pages/platform/i18n.js"
import { student } from "../pages/student/i18n.js"
import { teacher } from "../pages/teacher/i18n.js"
import { common } from "./strings.js"

/** Languages the app ships. */
export const LANGUAGES = { en: "English", fr: "Français" } as const
/** A shipped language. */
export type Language = keyof typeof LANGUAGES

const stored = (() => {
  try {
    return localStorage.getItem("signet.lang")
  } catch {
    return null
  }
})()
const initial: Language =
  stored === "fr" || stored === "en" ? stored : navigator.language.toLowerCase().startsWith("fr") ? "fr" : "en"

void i18next.init({
  lng: initial,
  fallbackLng: "en",
  defaultNS: "common",
  ns: ["common", "student", "teacher", "admin", "account", "platform"],
  interpolation: { escapeValue: false },
  resources: {
    en: {
      common: common.en,
      student: student.en,
      teacher: teacher.en,
      admin: admin.en,
      account: account.en,
      platform: platform.en
    },
    fr: {
      common: common.fr,
      student: student.fr,
      teacher: teacher.fr,
      admin: admin.fr,
      account: account.fr,
      platform: platform.fr
    }
  },
  initAsync: false
})
document.documentElement.lang = initial

/** Switches the language (and remembers it). */
export const setLanguage = (lng: Language) => {
  try {
    localStorage.setItem("signet.lang", lng)
  } catch {}
  document.documentElement.lang = lng
  void i18next.changeLanguage(lng)
}

/** `t` of a namespace; re-renders the component when the language changes. */
export const useT = (ns: "common" | "student" | "teacher" | "admin" | "account" | "platform" = "common") => {
  const [, bump] = useState(0)
  useEffect(() => {
    const on = () => bump((n) => n + 1)
    i18next.on("languageChanged", on)
    return () => i18next.off("languageChanged", on)
  }, [])
  return i18next.getFixedT(null, ns)
}

let schoolTimeZone: string | undefined

/**
 * Sets the zone dates and times are shown in when a page names none (the
 * signed-in user's school's; `Frame` sets it), and re-renders the pages.
 */
export const setTimeZone = (zone: string | undefined) => {
  if (zone === schoolTimeZone) return
  schoolTimeZone = zone
  // Components re-render on i18next's languageChanged (useT): same language, new zone.
  void i18next.changeLanguage(i18next.language)
}

/** The current language. */
export const language = (): Language => (i18next.language === "fr" ? "fr" : "en")

/**
 * Date and time in `zone` (an IANA zone; else the school's, {@link setTimeZone};
 * else the browser's), in the current language.
 */
export const formatDateTime = (
  instant: DateTime.DateTime | Date | number,
  zone?: string,
  style: "short" | "time" | "date" = "short"
) =>
  new Intl.DateTimeFormat(language(), {
    timeZone: zone ?? schoolTimeZone,
    ...(style === "time"
      ? { timeStyle: "short" }
      : style === "date"
        ? { dateStyle: "medium" }
        : { dateStyle: "medium", timeStyle: "short" })
  }).format(DateTime.isDateTime(instant) ? DateTime.toEpochMillis(instant) : instant)
