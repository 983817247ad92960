/**
 * The department tree of the directory, and the people in each department.
 *
 * The tree is small (TOCSIN_MAX_DEPARTMENTS) and read whole. Every change to its shape checks
 * and moves one revision key (`departments_rev`) in the same commit, so that two concurrent
 * moves cannot together build a cycle that neither would alone.
 */
import { z } from "zod";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";
import { IdSchema, lineSchema, NameSchema } from "../core/schemas.ts";
import type { User } from "../accounts/model.ts";
import { auditedAtomic } from "../audit/chain.ts";

export const DepartmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Null: a top-level department. */
  parentId: z.string().nullable(),
  createdAt: z.number(),
});
export type Department = z.infer<typeof DepartmentSchema>;

export const CreateDepartmentInputSchema = z.strictObject({
  name: NameSchema,
  parentId: IdSchema.nullable().default(null),
});
export type CreateDepartmentInput = z.infer<typeof CreateDepartmentInputSchema>;

export const UpdateDepartmentInputSchema = z.strictObject({
  name: NameSchema.optional(),
  parentId: IdSchema.nullable().optional(),
});
export type UpdateDepartmentInput = z.infer<typeof UpdateDepartmentInputSchema>;

export const DeleteDepartmentQuerySchema = z.strictObject({
  /** "1": its people and sub-departments move to its parent; otherwise it must be empty. */
  moveUp: z.enum(["0", "1"]).optional(),
});

/** Every department with the number of people directly in it. */
export interface DepartmentView extends Department {
  people: number;
}

/** The whole tree, flat, sorted by name. */
export async function listDepartments(kv: Deno.Kv): Promise<Department[]> {
  const all = (await listAll<Department>(kv, keys.departments())).map((e) => e.value);
  return all.sort((a, b) => a.name.localeCompare(b.name));
}

/** The tree with head counts (one listing of the membership index). */
export async function listDepartmentViews(kv: Deno.Kv): Promise<DepartmentView[]> {
  const depts = await listDepartments(kv);
  const counts = new Map<string, number>();
  for await (const e of kv.list({ prefix: keys.usersByAnyDepartment() })) {
    const d = String(e.key[1]);
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  return depts.map((d) => ({ ...d, people: counts.get(d.id) ?? 0 }));
}

/** Levels from the top to `id` (a top-level department is 1), in the tree `byId`. */
function depthOf(byId: Map<string, Department>, id: string | null): number {
  let n = 0;
  for (let cur = id; cur; cur = byId.get(cur)?.parentId ?? null) {
    if (++n > byId.size + 1) break;
  }
  return n;
}

/** Levels below `id`, itself included (1 for a leaf). */
function heightOf(all: Department[], id: string): number {
  const kids = all.filter((d) => d.parentId === id);
  return 1 + Math.max(0, ...kids.map((k) => heightOf(all, k.id)));
}

/** Ids of `id` and everything under it. */
export function subtreeIds(all: Department[], id: string): Set<string> {
  const out = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of all) {
      if (d.parentId && out.has(d.parentId) && !out.has(d.id)) {
        out.add(d.id);
        grew = true;
      }
    }
  }
  return out;
}

async function readTree(kv: Deno.Kv) {
  const rev = await kv.get<number>(keys.departmentsRev());
  const all = await listDepartments(kv);
  return { rev, all, byId: new Map(all.map((d) => [d.id, d])) };
}

function bumpRev(op: Deno.AtomicOperation, rev: Deno.KvEntryMaybe<number>): Deno.AtomicOperation {
  return op.check(rev).set(keys.departmentsRev(), (rev.value ?? 0) + 1);
}

const changed = () => new ApiError("conflict", "the departments changed meanwhile; retry");

export async function createDepartment(
  deps: Deps,
  input: CreateDepartmentInput,
): Promise<Department> {
  const { kv, config, clock } = deps;
  const { rev, all, byId } = await readTree(kv);
  if (all.length >= config.maxDepartments) {
    throw new ApiError("invalid_input", `at most ${config.maxDepartments} departments`);
  }
  if (input.parentId && !byId.has(input.parentId)) throw notFound("parent department");
  if (depthOf(byId, input.parentId) + 1 > config.maxDepartmentDepth) {
    throw new ApiError("invalid_input", `at most ${config.maxDepartmentDepth} levels`);
  }
  const dept: Department = {
    id: ulid(clock.now()),
    name: input.name,
    parentId: input.parentId,
    createdAt: clock.now(),
  };
  const op = bumpRev(
    auditedAtomic(kv, clock, {
      action: "department.create",
      target: { type: "department", id: dept.id },
      detail: { name: dept.name, parentId: dept.parentId },
    }),
    rev,
  )
    .check({ key: keys.department(dept.id), versionstamp: null })
    .set(keys.department(dept.id), dept);
  if (input.parentId) op.check(await kv.get(keys.department(input.parentId)));
  if (!(await op.commit()).ok) throw changed();
  return dept;
}

/** Renames and/or moves a department; a move under itself or its own descendant is refused. */
export async function updateDepartment(
  deps: Deps,
  id: string,
  patch: UpdateDepartmentInput,
): Promise<Department> {
  const { kv, config, clock } = deps;
  const { rev, all, byId } = await readTree(kv);
  const dept = byId.get(id);
  if (!dept) throw notFound("department");
  const next: Department = {
    ...dept,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.parentId !== undefined ? { parentId: patch.parentId } : {}),
  };
  if (next.parentId !== dept.parentId && next.parentId !== null) {
    if (!byId.has(next.parentId)) throw notFound("parent department");
    if (subtreeIds(all, id).has(next.parentId)) {
      throw new ApiError("invalid_input", "a department cannot move under itself or its own part");
    }
    if (depthOf(byId, next.parentId) + heightOf(all, id) > config.maxDepartmentDepth) {
      throw new ApiError("invalid_input", `at most ${config.maxDepartmentDepth} levels`);
    }
  }
  const entry = await kv.get<Department>(keys.department(id));
  const audit = auditedAtomic(kv, clock, {
    action: "department.update",
    target: { type: "department", id },
    detail: {
      ...(next.name !== dept.name ? { name: next.name } : {}),
      ...(next.parentId !== dept.parentId ? { parentId: next.parentId } : {}),
    },
  });
  const res = await bumpRev(audit, rev).check(entry).set(keys.department(id), next).commit();
  if (!res.ok) throw changed();
  return next;
}

/**
 * Deletes a department. It must be empty (no people, no sub-departments) unless `moveUp`:
 * then its people and sub-departments move to its parent (people of a top-level department are
 * left without one), in the same commit.
 */
export async function deleteDepartment(deps: Deps, id: string, moveUp: boolean): Promise<void> {
  const { kv, clock } = deps;
  const { rev, all, byId } = await readTree(kv);
  const dept = byId.get(id);
  if (!dept) throw notFound("department");
  const kids = all.filter((d) => d.parentId === id);
  // Bounded so that the commit stays under KV's 1,000 mutations (3 per person, 1 per child).
  const people = await listAll<string>(kv, keys.usersByDepartment(id), 301);
  if (!moveUp && (kids.length || people.length)) {
    throw new ApiError("conflict", "the department is not empty: move its people up or out first");
  }
  if (people.length > 300 || kids.length > 300) {
    throw new ApiError("invalid_input", "too many people to move at once; move some first");
  }
  const entry = await kv.get<Department>(keys.department(id));
  const audit = auditedAtomic(kv, clock, {
    action: "department.delete",
    target: { type: "department", id },
    detail: { name: dept.name, movedPeople: people.length, movedDepartments: kids.length },
  });
  const op = bumpRev(audit, rev).check(entry).delete(keys.department(id));
  for (const k of kids) op.set(keys.department(k.id), { ...k, parentId: dept.parentId });
  const users = await kv.getMany<User[]>(people.map((p) => keys.user(String(p.key[2]))));
  for (const [i, u] of users.entries()) {
    op.delete(people[i].key);
    if (!u.value) continue;
    op.check(u).set(u.key, { ...u.value, departmentId: dept.parentId });
    if (dept.parentId) op.set(keys.userByDepartment(dept.parentId, u.value.id), u.value.id);
  }
  if (!(await op.commit()).ok) throw changed();
}

export const PlacementInputSchema = z.strictObject({
  departmentId: IdSchema.nullable().optional(),
  title: lineSchema(100).optional(),
});
export type PlacementInput = z.infer<typeof PlacementInputSchema>;

/** Puts a person into a department and/or sets their title (admins). */
export async function setPlacement(
  deps: Deps,
  userId: string,
  input: PlacementInput,
): Promise<User> {
  const { kv, clock } = deps;
  const entry = await kv.get<User>(keys.user(userId));
  if (!entry.value) throw notFound("user");
  const user = entry.value;
  const op = auditedAtomic(kv, clock, {
    action: "user.placement",
    target: { type: "user", id: userId },
    detail: {
      ...(input.departmentId !== undefined ? { departmentId: input.departmentId } : {}),
      ...(input.title !== undefined ? { title: input.title } : {}),
    },
  }).check(entry);
  const next: User = { ...user, ...(input.title !== undefined ? { title: input.title } : {}) };
  if (input.departmentId !== undefined && input.departmentId !== (user.departmentId ?? null)) {
    // A move between departments moves the tree's revision too: a delete that listed the
    // department's people before this commit then fails instead of leaving a ghost member.
    bumpRev(op, await kv.get<number>(keys.departmentsRev()));
    if (input.departmentId) {
      const dept = await kv.get<Department>(keys.department(input.departmentId));
      if (!dept.value) throw notFound("department");
      op.check(dept).set(keys.userByDepartment(input.departmentId, userId), userId);
    }
    if (user.departmentId) op.delete(keys.userByDepartment(user.departmentId, userId));
    next.departmentId = input.departmentId;
  }
  const res = await op.set(keys.user(userId), next).commit();
  if (!res.ok) throw new ApiError("conflict", "the person changed meanwhile; retry");
  return next;
}
