"""Lowering: Linux accessors become each architecture's own instructions.

``writel``, ``readl``, ``dma_wmb``, ``smp_mb``, ``spin_lock`` and friends are
replaced by the sequences the kernel uses on arm64 and x86 (the table in the
device-memory specification), so models only ever see architecture
instructions. ``spin_lock`` is an acquisition that succeeded: executions in
which it would have had to spin are filtered out, as herd's ``filter`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .errors import ParseError
from .program import Addr, Imm, Instr, PAnd, Prop, Reg, RegAtom, Sym, Test, Thread

#: accessor -> (arm64 sequence, x86 sequence); each item is a mnemonic template:
#: "ACCESS" stands for the access itself, other items are fences.
LOWERING: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "writel": (("DMB OSHST", "STR"), ("MOV",)),
    "writel_relaxed": (("STR",), ("MOV",)),
    "readl": (("LDR", "DMB OSHLD"), ("MOV",)),
    "readl_relaxed": (("LDR",), ("MOV",)),
    "wmb": (("DSB ST",), ("SFENCE",)),
    "rmb": (("DSB LD",), ("LFENCE",)),
    "mb": (("DSB SY",), ("MFENCE",)),
    "dma_wmb": (("DMB OSHST",), ()),
    "dma_rmb": (("DMB OSHLD",), ()),
    "smp_wmb": (("DMB ISHST",), ()),
    "smp_rmb": (("DMB ISHLD",), ()),
    "smp_mb": (("DMB ISH",), ("MFENCE",)),
    "smp_store_release": (("STLR",), ("MOV",)),
    "smp_load_acquire": (("LDAR",), ("MOV",)),
    "spin_lock": (("SPIN_LOCK",), ("SPIN_LOCK",)),
    "spin_unlock": (("STLR",), ("MOV",)),
}

ACCESSORS = frozenset(LOWERING)

#: What an accessor that lowers to nothing is, for `litmus show`.
EMPTY_NOTE = {"dma_wmb": "compiler barrier only", "dma_rmb": "compiler barrier only",
              "smp_wmb": "no instruction (TSO keeps stores in order)",
              "smp_rmb": "no instruction (TSO keeps loads in order)"}


@dataclass(frozen=True)
class Lowered:
    """One source instruction and what it became."""

    source: Instr
    result: tuple[Instr, ...]
    note: str = ""


def _operands_text(ins: Instr) -> str:
    parts = ins.text.split(None, 1)
    return parts[1] if len(parts) > 1 else ", ".join(str(a) for a in ins.args)


def _fence(template: str, ins: Instr, arch: str) -> Instr:
    if arch == "x86":
        return Instr(template, (), ins.pos, template, origin=ins)
    op, opt = template.split()
    return Instr(op, (Sym(opt),), ins.pos, template, origin=ins)


def _access(op: str, ins: Instr, arch: str) -> Instr:
    args = ins.args
    text_ops = _operands_text(ins)
    if arch == "x86":
        # x86: MOV with the memory operand first for stores, second for loads
        if ins.op in ("readl", "readl_relaxed", "smp_load_acquire"):
            dst, addr = args
            return Instr("MOV", (dst, addr), ins.pos, f"MOV {text_ops}", origin=ins)
        if ins.op == "spin_unlock":
            (addr,) = args
            return Instr("MOV", (addr, Imm(0)), ins.pos, f"MOV {addr}, $0", origin=ins)
        src, addr = args
        src_text, _, addr_text = text_ops.rpartition(",")
        return Instr("MOV", (addr, src), ins.pos,
                     f"MOV {addr_text.strip()}, {src_text.strip()}", origin=ins)
    if ins.op == "spin_unlock":
        (addr,) = args
        return Instr("STLR", (Imm(0), addr), ins.pos, f"STLR #0, {addr}", origin=ins)
    return Instr(op, args, ins.pos, f"{op} {text_ops}", origin=ins)


def _spin_lock(ins: Instr, arch: str, n: int, thread: Thread) -> tuple[list[Instr], Prop]:
    (addr,) = ins.args
    assert isinstance(addr, Addr)
    r = Reg(f"%lock{n}", 32)
    if arch == "x86":
        seq = [
            Instr("MOV", (r, Imm(1)), ins.pos, f"MOV {r}, $1", origin=ins),
            Instr("LOCK CMPXCHG", (addr, r, Imm(0)), ins.pos,
                  f"LOCK CMPXCHG {addr}, {r}   ; expects 0, old value into {r}", origin=ins),
        ]
    else:
        seq = [
            Instr("MOV", (r, Imm(1)), ins.pos, f"MOV {r}, #1", origin=ins),
            Instr("SWPA", (r, r, addr), ins.pos, f"SWPA {r}, {r}, {addr}", origin=ins),
        ]
    took = RegAtom(thread=thread.name, reg=r, value=0, key=f"{thread.name}:{r.name}",
                   pos=ins.pos)
    return seq, took


def lower_thread(thread: Thread, arch: str, counter: list[int]) -> tuple[
        Thread, list[Lowered], list[Prop]]:
    """Lower one thread; returns it, the per-instruction record and filter atoms."""
    code: list[Instr] = []
    record: list[Lowered] = []
    filters: list[Prop] = []
    index_map: dict[int, int] = {}
    for i, ins in enumerate(thread.code):
        index_map[i] = len(code)
        if ins.op not in ACCESSORS:
            code.append(ins)
            continue
        arm_seq, x86_seq = LOWERING[ins.op]
        seq = arm_seq if arch == "aarch64" else x86_seq
        out: list[Instr] = []
        for item in seq:
            if item == "SPIN_LOCK":
                counter[0] += 1
                lk, atom = _spin_lock(ins, arch, counter[0], thread)
                out.extend(lk)
                filters.append(atom)
            elif item in ("STR", "LDR", "STLR", "LDAR", "MOV"):
                out.append(_access(item, ins, arch))
            else:
                out.append(_fence(item, ins, arch))
        note = EMPTY_NOTE.get(ins.op, "no instruction") if not out else ""
        record.append(Lowered(ins, tuple(out), note))
        code.extend(out)
    index_map[len(thread.code)] = len(code)
    labels = {name: index_map[i] for name, i in thread.labels.items()}
    return replace(thread, code=tuple(code), labels=labels), record, filters


def lower(test: Test) -> Test:
    """The test with every Linux accessor replaced by architecture instructions."""
    if not any(ins.op in ACCESSORS for th in test.threads for ins in th.code):
        return test
    return lower_with_record(test)[0]


def lower_with_record(test: Test) -> tuple[Test, dict[str, list[Lowered]]]:
    """Lower a test and say, per thread, what each accessor became."""
    counter = [0]
    threads = []
    records: dict[str, list[Lowered]] = {}
    filters: list[Prop] = []
    for th in test.threads:
        if th.device and any(i.op in ("spin_lock", "spin_unlock") for i in th.code):
            bad = next(i for i in th.code if i.op in ("spin_lock", "spin_unlock"))
            raise ParseError(f"'{bad.op}' in device agent {th.name}: only CPUs take locks",
                             bad.pos)
        new, rec, flt = lower_thread(th, test.arch, counter)
        threads.append(new)
        records[th.name] = rec
        filters.extend(flt)
    flt_prop = test.filter
    if filters:
        parts = ([flt_prop] if flt_prop is not None else []) + filters
        flt_prop = parts[0] if len(parts) == 1 else PAnd(tuple(parts))
    return replace(test, threads=tuple(threads), filter=flt_prop), records
