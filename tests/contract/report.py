"""What a contract suite found: one line per check, and the exit status."""

from dataclasses import dataclass, field


@dataclass
class Check:
    name: str
    passed: bool
    detail: str = ""


@dataclass
class Report:
    suite: str
    checks: list[Check] = field(default_factory=list)

    def check(self, name: str, passed: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, bool(passed), "" if passed else detail))
        return bool(passed)

    @property
    def ok(self) -> bool:
        return all(c.passed for c in self.checks)

    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def text(self) -> str:
        lines = [f"== {self.suite}: {sum(c.passed for c in self.checks)}/{len(self.checks)} checks passed"]
        for c in self.checks:
            lines.append(f"  [{'PASS' if c.passed else 'FAIL'}] {c.name}" + (f" — {c.detail}" if c.detail else ""))
        return "\n".join(lines)
