/**
 * The activities facade (issue 22, first slice): each operation carries its
 * permission in its type; tenant and actor come from context.
 *
 * | operation | permission |
 * |---|---|
 * | timeline, notes/tasks/reviews reads, review summary, custom type list | `activities:read` |
 * | create/update/delete notes and tasks, put/delete own review | `activities:write` |
 * | register a custom target type | `activities:admin` |
 *
 * Beyond the permission, every operation needs the target to be visible to
 * the caller through its owning module (`Targets.ts`), and changing or
 * deleting someone else's note, task or review needs `activities:admin`
 * (checked in the service; a task's assignee may change it too).
 *
 * Default roles (`DEFAULT_ROLES`): admin (`*:*`) and manager
 * (`activities:*`) do everything; teacher reads and writes; user and
 * viewer read; student has no activities permission (notes and tasks about
 * students are staff records).
 *
 * @module
 */
import type {
  ActivityPaging,
  CreateNote,
  CreateTask,
  PutReview,
  RegisterTargetType,
  Target,
  UpdateNote,
  UpdateTask
} from "@signet/contracts/activities/Domain"
import { policyRequire } from "../access/Policy.js"
import { Activities, type ListTasks } from "./Activities.js"

const read = policyRequire("activities", "read")
const write = policyRequire("activities", "write")
const admin = policyRequire("activities", "admin")

/** Activities operations; see the module comment for the permissions. */
export const ActivitiesAdmin = {
  /** The tenant's custom target types. */
  listTargetTypes: () => read(Activities.use((a) => a.targets.listTargetTypes)),
  /** Registers a custom target type. @errors Conflict, ValidationError */
  registerTargetType: (input: RegisterTargetType) => admin(Activities.use((a) => a.targets.registerTargetType(input))),
  /** A target's timeline, newest first. @errors TargetNotFound, ValidationError */
  timeline: (target: Target, page: ActivityPaging = {}) => read(Activities.use((a) => a.timeline(target, page))),

  /** Creates a note. @errors TargetNotFound, ValidationError */
  createNote: (input: CreateNote) => write(Activities.use((a) => a.notes.create(input))),
  /** A target's notes, newest first. @errors TargetNotFound, ValidationError */
  listNotes: (target: Target, page: ActivityPaging = {}) => read(Activities.use((a) => a.notes.list(target, page))),
  /** One note. @errors ActivityNotFound */
  getNote: (id: string) => read(Activities.use((a) => a.notes.get(id))),
  /** Changes a note. @errors ActivityNotFound, Forbidden, ValidationError */
  updateNote: (id: string, patch: UpdateNote) => write(Activities.use((a) => a.notes.update(id, patch))),
  /** Soft-deletes a note. @errors ActivityNotFound, Forbidden */
  deleteNote: (id: string) => write(Activities.use((a) => a.notes.remove(id))),

  /** Creates a task. @errors TargetNotFound, ValidationError */
  createTask: (input: CreateTask) => write(Activities.use((a) => a.tasks.create(input))),
  /** Tasks by target, assignee (or mine), status. @errors TargetNotFound, ValidationError */
  listTasks: (query: ListTasks = {}) => read(Activities.use((a) => a.tasks.list(query))),
  /** One task. @errors ActivityNotFound */
  getTask: (id: string) => read(Activities.use((a) => a.tasks.get(id))),
  /** Changes a task. @errors ActivityNotFound, Forbidden, ValidationError */
  updateTask: (id: string, patch: UpdateTask) => write(Activities.use((a) => a.tasks.update(id, patch))),
  /** Soft-deletes a task. @errors ActivityNotFound, Forbidden */
  deleteTask: (id: string) => write(Activities.use((a) => a.tasks.remove(id))),

  /** The caller's review of a target (replaces theirs). @errors TargetNotFound, Forbidden */
  putReview: (input: PutReview) => write(Activities.use((a) => a.reviews.put(input))),
  /** A target's reviews, newest first. @errors TargetNotFound, ValidationError */
  listReviews: (target: Target, page: ActivityPaging = {}) => read(Activities.use((a) => a.reviews.list(target, page))),
  /** A target's review figures. @errors TargetNotFound */
  reviewSummary: (target: Target) => read(Activities.use((a) => a.reviews.summary(target))),
  /** Deletes a review. @errors ActivityNotFound, Forbidden */
  deleteReview: (id: string) => write(Activities.use((a) => a.reviews.remove(id)))
} as const
