/**
 * Helpers of the teacher pages (issue 17 "Teacher"): the day's range, file
 * downloads of text answers, and the live roll's event stream.
 *
 * @module
 */
import { fetchEventSource } from "@microsoft/fetch-event-source"
import { useEffect, useRef, useState } from "preact/hooks"
import { accessToken, resume } from "../../app/api.js"

/** Midnight to midnight of the current day in the browser's zone, as ISO instants. */
export const todayRange = () => {
  const start = new Date()
  start.setHours(0, 0, 0, 0)
  const end = new Date(start)
  end.setDate(end.getDate() + 1)
  return { from: start.toISOString(), to: end.toISOString() }
}

/** Saves `text` as a file named `name` (a Blob download; no request leaves the page). */
export const download = (name: string, text: string, type = "text/csv;charset=utf-8") => {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement("a")
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** What one `event: roll` of the live roll says (server `LiveRoll.ts`). */
export interface RollEvent {
  /** `marks`: a roll call changed results (any result); `reconnected`: made by the page after a reconnection (events may have been missed: re-read). */
  readonly type: "signature" | "marks" | "closed" | "reconnected"
  readonly student_id?: string
  readonly status?: string
  readonly signature_id?: string
}

/** Stream state shown to the teacher. */
export type LiveState = "connecting" | "live" | "retrying"

class Fatal extends Error {}

/**
 * Follows `GET …/courses/{id}/roll/events` (Server-Sent Events, bearer
 * token from memory) and calls `onEvent` for each roll event (and once after
 * each reconnection, as events may have been missed); reconnects with
 * exponential backoff (1 s doubling to 30 s), each attempt with the current
 * access token (refreshed after a 401); stops for good on 403/404. Answers the stream's state.
 */
export const useLiveRoll = (slug: string, courseId: string, onEvent: (e: RollEvent) => void): LiveState => {
  const [state, setState] = useState<LiveState>("connecting")
  const handler = useRef(onEvent)
  handler.current = onEvent
  useEffect(() => {
    const ctrl = new AbortController()
    let delay = 1000
    let opened = false
    const url = `/api/v1/tenants/${encodeURIComponent(slug)}/courses/${encodeURIComponent(courseId)}/roll/events`
    void fetchEventSource(url, {
      signal: ctrl.signal,
      openWhenHidden: true,
      // Read at each (re)connection: the token rotates.
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...init?.headers, Authorization: `Bearer ${accessToken() ?? ""}` } }),
      onopen: async (res) => {
        if (res.ok && (res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
          delay = 1000
          setState("live")
          if (opened) handler.current({ type: "reconnected" })
          opened = true
          return
        }
        if (res.status === 401) {
          await resume(slug)
          throw new Error("unauthorized")
        }
        if (res.status === 403 || res.status === 404) throw new Fatal(String(res.status))
        throw new Error(`status ${res.status}`)
      },
      onmessage: (m) => {
        if (m.event !== "roll") return
        try {
          handler.current(JSON.parse(m.data) as RollEvent)
        } catch {}
      },
      onclose: () => {
        // The server ended the stream: reconnect.
        throw new Error("closed")
      },
      onerror: (e) => {
        if (e instanceof Fatal) throw e
        setState("retrying")
        const wait = delay
        delay = Math.min(delay * 2, 30_000)
        return wait
      }
    }).catch(() => undefined)
    return () => ctrl.abort()
  }, [slug, courseId])
  return state
}
