/**
 * Form fields of the platform pages with their problems beside them
 * (issue 20): a labelled input whose error — from the contracts' schema or
 * from the server's problem+json, by the server's field path — is shown
 * right under it and tied to it (`aria-invalid`, `aria-describedby`).
 *
 * @module
 */
import type { ComponentChildren } from "preact"
import type { FieldProblem } from "./draft.js"

/** Where a form's fields find their problems: the form's id prefix and the problems of its last submit. */
export interface FormCtx {
  readonly prefix: string
  readonly problems: ReadonlyArray<FieldProblem>
}

const idOf = (ctx: FormCtx, field: string) => `${ctx.prefix}-err-${field.replace(/[^a-zA-Z0-9]+/g, "-")}`

/** The messages about exactly `field`. */
const messagesOf = (ctx: FormCtx, field: string) => ctx.problems.filter((p) => p.field === field).map((p) => p.message)

/** The error line of `field`, if it has problems. */
export const FieldError = ({ ctx, field }: { ctx: FormCtx; field: string }) => {
  const messages = messagesOf(ctx, field)
  if (messages.length === 0) return null
  return (
    <p id={idOf(ctx, field)} class="error field-error">
      {messages.join(" ")}
    </p>
  )
}

/** `aria-invalid` and `aria-describedby` of the input of `field`. */
export const invalidProps = (ctx: FormCtx, field: string) =>
  messagesOf(ctx, field).length > 0
    ? { "aria-invalid": true as const, "aria-describedby": idOf(ctx, field) }
    : { "aria-invalid": undefined, "aria-describedby": undefined }

/** A labelled text input bound to `value`, with the problems of `field` under it. */
export const TextField = ({
  ctx,
  field,
  label,
  value,
  onValue,
  inputMode,
  placeholder,
  required,
  maxLength,
  hint
}: {
  ctx: FormCtx
  field: string
  label: string
  value: string
  onValue: (v: string) => void
  inputMode?: "decimal" | "numeric" | "text"
  placeholder?: string
  required?: boolean
  maxLength?: number
  hint?: ComponentChildren
}) => (
  <div class="field">
    <label>
      {label}
      <input
        value={value}
        onInput={(e) => onValue((e.target as HTMLInputElement).value)}
        inputMode={inputMode}
        placeholder={placeholder}
        required={required}
        maxLength={maxLength}
        autoComplete="off"
        {...invalidProps(ctx, field)}
      />
    </label>
    {hint && <p class="muted hint">{hint}</p>}
    <FieldError ctx={ctx} field={field} />
  </div>
)

/** The form's problems listed together (`role="alert"`), each with its field. */
export const ProblemList = ({ problems, intro }: { problems: ReadonlyArray<FieldProblem>; intro: string }) => {
  if (problems.length === 0) return null
  return (
    <div class="error problems" role="alert">
      <p>{intro}</p>
      <ul>
        {problems.map((p, i) => (
          <li key={i}>{p.field === "form" ? p.message : `${p.field}: ${p.message}`}</li>
        ))}
      </ul>
    </div>
  )
}
