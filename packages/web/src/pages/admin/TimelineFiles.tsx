/**
 * Files on the timeline page (issue 22 "Attachments", web): upload a file
 * to the target, and on each listed file download it, upload a new version
 * or delete it — through the REST endpoints of `ActivitiesApi` with the
 * session's bearer token, so the server's checks apply (413 too large, 415
 * not an accepted type, shown in the form's alert in the page's language).
 * A download fetches the bytes with the typed client and hands them to the
 * browser as a `Blob` object URL with the stored file name (the token lives
 * in memory, so a plain link could not carry it).
 *
 * @module
 */

import { ActivitiesApi } from "@signet/contracts/activities/Api"
import type { ActivityAttachment } from "@signet/contracts/activities/Attachments"
import type { TargetType } from "@signet/contracts/activities/Domain"
import { ApiError, call } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { ActionNotes, useAction } from "./shared.js"

/** The chosen file of a form's `file` input, as its name and bytes. */
const chosenFile = async (form: HTMLFormElement) => {
  const file = (form.elements.namedItem("file") as HTMLInputElement).files?.[0]
  if (!file) return undefined
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) }
}

/** The page's words for the server's refusals of a file (413, 415); other errors as the server says them. */
const useFileErrors = () => {
  const t = useT("admin")
  return (e: unknown): never => {
    const err = e as ApiError
    if (err instanceof ApiError && (err.tag === "AttachmentTooLarge" || err.status === 413))
      throw new ApiError(err.tag, t("timeline.files.tooLarge"), undefined, 413)
    if (err instanceof ApiError && (err.tag === "UnsupportedAttachmentType" || err.status === 415))
      throw new ApiError(err.tag, t("timeline.files.unsupported"), undefined, 415)
    throw e
  }
}

/** "Add a file": one file from the device, uploaded to the target. */
export const NewFile = ({
  slug,
  type,
  id,
  onAdded
}: {
  slug: string
  type: TargetType
  id: string
  onAdded: () => void
}) => {
  const t = useT("admin")
  const action = useAction()
  const refused = useFileErrors()
  const submit = (ev: Event) => {
    ev.preventDefault()
    const form = ev.target as HTMLFormElement
    void action
      .run(
        async () => {
          const file = await chosenFile(form)
          if (!file) throw new ApiError("ValidationError", t("timeline.files.choose"))
          return call(ActivitiesApi, (c) =>
            c.activities.uploadAttachment({
              path: { slug },
              urlParams: { target_type: type, target_id: id, filename: file.name },
              payload: file.bytes
            })
          ).catch(refused)
        },
        (a) => t("timeline.files.uploaded", { name: a.filename })
      )
      .then((a) => {
        if (a) {
          form.reset()
          onAdded()
        }
      })
  }
  return (
    <form class="card stack" onSubmit={submit} aria-label={t("timeline.files.new")}>
      <label>
        {t("timeline.files.file")}
        <input type="file" name="file" required />
      </label>
      <button type="submit" disabled={action.busy}>
        {t("timeline.files.new")}
      </button>
      <ActionNotes action={action} />
    </form>
  )
}

/** Hands `bytes` to the browser as a download named `filename`. */
const saveAs = (bytes: Uint8Array, filename: string, type: string) => {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }))
  const a = document.createElement("a")
  a.href = url
  a.download = filename
  a.rel = "noopener"
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** A listed file's actions: download, upload a new version, delete. */
export const FileActions = ({
  slug,
  file,
  onChanged
}: {
  slug: string
  file: ActivityAttachment
  onChanged: () => void
}) => {
  const t = useT("admin")
  const action = useAction()
  const refused = useFileErrors()
  const download = () =>
    void action.run(async () => {
      const bytes = await call(ActivitiesApi, (c) =>
        c.activities.attachmentContent({ path: { slug, id: file.id }, urlParams: {} })
      )
      saveAs(bytes, file.filename, file.content_type)
    })
  const remove = () =>
    void action
      .run(
        async () => {
          await call(ActivitiesApi, (c) => c.activities.deleteAttachment({ path: { slug, id: file.id } }))
          return true
        },
        () => t("timeline.files.deleted", { name: file.filename })
      )
      .then((done) => done && onChanged())
  const newVersion = (ev: Event) => {
    ev.preventDefault()
    const form = ev.target as HTMLFormElement
    void action
      .run(
        async () => {
          const chosen = await chosenFile(form)
          if (!chosen) throw new ApiError("ValidationError", t("timeline.files.choose"))
          return call(ActivitiesApi, (c) =>
            c.activities.uploadAttachmentVersion({
              path: { slug, id: file.id },
              urlParams: { filename: chosen.name },
              payload: chosen.bytes
            })
          ).catch(refused)
        },
        (a) => t("timeline.files.versioned", { name: a.filename, n: a.version })
      )
      .then((a) => a && onChanged())
  }
  return (
    <div class="stack">
      <div class="toolbar">
        <button type="button" onClick={download} disabled={action.busy}>
          {t("timeline.files.download", { name: file.filename })}
        </button>
        <button type="button" class="secondary" onClick={remove} disabled={action.busy}>
          {t("timeline.files.delete", { name: file.filename })}
        </button>
      </div>
      <form class="stack" onSubmit={newVersion} aria-label={t("timeline.files.newVersion", { name: file.filename })}>
        <label>
          {t("timeline.files.versionFile", { name: file.filename })}
          <input type="file" name="file" required />
        </label>
        <button type="submit" disabled={action.busy}>
          {t("timeline.files.newVersion", { name: file.filename })}
        </button>
      </form>
      <ActionNotes action={action} />
    </div>
  )
}
