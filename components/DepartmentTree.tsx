import type { Translate } from "../client/i18n.ts";
import type { DepartmentView } from "../lib/protocol.ts";

/** Departments by parent, each level sorted by name. */
export function childrenOf(all: DepartmentView[], parentId: string | null): DepartmentView[] {
  return all.filter((d) => d.parentId === parentId).sort((a, b) => a.name.localeCompare(b.name));
}

/** Every department with its depth, in tree order (for selects and the tree). */
export function flatTree(all: DepartmentView[]): { dept: DepartmentView; depth: number }[] {
  const out: { dept: DepartmentView; depth: number }[] = [];
  const walk = (parentId: string | null, depth: number) => {
    for (const d of childrenOf(all, parentId)) {
      out.push({ dept: d, depth });
      if (depth < 20) walk(d.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** Options of a department select, indented by level. */
export function DepartmentOptions(
  props: { all: DepartmentView[]; exclude?: Set<string> },
) {
  return (
    <>
      {flatTree(props.all).filter((x) => !props.exclude?.has(x.dept.id)).map((x) => (
        <option key={x.dept.id} value={x.dept.id}>
          {"\u00a0\u00a0".repeat(x.depth) + x.dept.name}
        </option>
      ))}
    </>
  );
}

/**
 * The department tree to browse: "Everyone", then each department with its head count. In edit
 * mode each row has rename, move and delete buttons (the island decides what they do).
 */
export function DepartmentTree(props: {
  t: Translate;
  all: DepartmentView[];
  selected: string | null;
  editing: boolean;
  onSelect: (id: string | null) => void;
  onRename: (d: DepartmentView) => void;
  onMove: (d: DepartmentView) => void;
  onDelete: (d: DepartmentView) => void;
}) {
  const { t } = props;
  return (
    <ul class="dir-tree-list">
      <li>
        <button
          type="button"
          class="dir-node"
          aria-current={props.selected === null ? "true" : undefined}
          onClick={() => props.onSelect(null)}
        >
          {t("dir_all")}
        </button>
      </li>
      {flatTree(props.all).map(({ dept, depth }) => (
        <li key={dept.id} class={`dir-depth-${Math.min(depth, 7)}`} data-dept={dept.name}>
          <button
            type="button"
            class="dir-node"
            aria-current={props.selected === dept.id ? "true" : undefined}
            onClick={() =>
              props.onSelect(dept.id)}
          >
            {dept.name} <span class="muted">({dept.people})</span>
          </button>
          {props.editing && (
            <span class="dir-node-actions">
              <button
                type="button"
                class="linkish"
                onClick={() => props.onRename(dept)}
              >
                {t("dir_dept_rename")}
              </button>
              <button
                type="button"
                class="linkish"
                onClick={() =>
                  props.onMove(dept)}
              >
                {t("dir_dept_move")}
              </button>
              <button
                type="button"
                class="linkish danger"
                onClick={() =>
                  props.onDelete(dept)}
              >
                {t("dir_dept_delete")}
              </button>
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
