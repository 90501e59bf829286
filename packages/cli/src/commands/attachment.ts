/**
 * `signet attachment …` — a tenant's activity attachments (issue 22
 * "Attachments", docs/activities.md) on the local database through the
 * same core operations as REST (`ActivitiesAdmin`), as the system actor:
 * upload a file to a target, list a target's attachments, write one
 * (latest or a given version) to a file. Files go to the same
 * `AttachmentStore` as `signet serve`'s (`SIGNET_ATTACHMENTS_DIR`, else
 * beside the SQLite database).
 *
 * @module
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Args, Command, Options } from "@effect/cli"
import { ActivitiesAdmin as A, type ActivityAttachment, policyUse } from "@signet/core"
import { Console, Effect, Option } from "effect"
import { plain, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const targetType = Options.text("target-type").pipe(
  Options.withDescription("The target's type (user, school, classroom, group, course, beacon, tenant or x-…)")
)
const targetId = Options.text("target-id").pipe(Options.withDescription("The target's id"))

const read = policyUse("attachments:read")
const write = policyUse("attachments:write")

const row = (a: ActivityAttachment) => ({
  id: a.id,
  version: String(a.version),
  filename: a.filename,
  type: a.content_type,
  bytes: String(a.size_bytes)
})
const COLUMNS = ["id", "version", "filename", "type", "bytes"] as const

const upload = Command.make(
  "upload",
  {
    tenant: tenantOpt,
    targetType,
    targetId,
    file: Args.file({ name: "file", exists: "yes" }).pipe(Args.withDescription("The file to upload (≤ 10 MiB)")),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const bytes = yield* Effect.sync(() => new Uint8Array(Fs.readFileSync(o.file)))
        const query = { target_type: o.targetType, target_id: o.targetId, filename: Path.basename(o.file) }
        const created = yield* A.uploadAttachment(query, bytes).pipe(write)
        if (o.json) return yield* Console.log(JSON.stringify(plain(created), null, 2))
        yield* table([row(created)], [...COLUMNS])
      })
    )
).pipe(Command.withDescription("Upload a file to a target (typed by its bytes: PDF, PNG, JPEG, GIF, WebP, text, CSV)."))

const list = Command.make("list", { tenant: tenantOpt, targetType, targetId, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const page = yield* A.listAttachments({ target_type: o.targetType, target_id: o.targetId }, { limit: 100 }).pipe(
        read
      )
      if (o.json) return yield* Console.log(JSON.stringify(plain(page.items), null, 2))
      yield* table(page.items.map(row), [...COLUMNS])
    }),
    true
  )
).pipe(Command.withDescription("A target's attachments (latest versions), newest first (the first 100)."))

const download = Command.make(
  "download",
  {
    tenant: tenantOpt,
    id: Args.text({ name: "id" }).pipe(Args.withDescription("The attachment's id")),
    out: Options.file("out").pipe(Options.withDescription("Where to write the file")),
    version: Options.integer("version").pipe(Options.optional, Options.withDescription("A version (default: latest)"))
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const file = yield* A.attachmentContent(o.id, Option.getOrUndefined(o.version)).pipe(read)
        yield* Effect.sync(() => Fs.writeFileSync(o.out, file.bytes))
        yield* Console.log(
          `wrote ${o.out} (${file.content_type}, ${file.bytes.length} bytes; stored as ${file.filename})`
        )
      }),
      true
    )
).pipe(Command.withDescription("Write an attachment's bytes (latest or --version) to a file."))

/** `signet attachment`: upload, list, download. */
export const attachment = Command.make("attachment").pipe(
  Command.withDescription("A tenant's activity attachments (docs/activities.md)."),
  Command.withSubcommands([upload, list, download])
)
