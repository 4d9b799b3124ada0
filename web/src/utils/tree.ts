import type { OrgUnit } from '@/api/types'

export interface OrgTreeNode {
  id: number
  label: string
  unit: OrgUnit
  children: OrgTreeNode[]
}

/** Build the org-unit tree from the flat list (parents may come in any order). */
export function buildOrgTree(units: OrgUnit[]): OrgTreeNode[] {
  const byId = new Map<number, OrgTreeNode>()
  for (const u of units) byId.set(u.id, { id: u.id, label: u.name, unit: u, children: [] })
  const roots: OrgTreeNode[] = []
  for (const u of units) {
    const node = byId.get(u.id)!
    const parent = u.parent_id != null ? byId.get(u.parent_id) : undefined
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  const sort = (nodes: OrgTreeNode[]) => {
    nodes.sort((a, b) => a.unit.sort_order - b.unit.sort_order || a.unit.code.localeCompare(b.unit.code))
    nodes.forEach((n) => sort(n.children))
  }
  sort(roots)
  return roots
}

/** Ids of a unit and all units below it (to forbid moving a unit under itself). */
export function subtreeIds(units: OrgUnit[], id: number): Set<number> {
  const root = units.find((u) => u.id === id)
  if (!root) return new Set([id])
  return new Set(units.filter((u) => u.path.startsWith(root.path)).map((u) => u.id))
}
