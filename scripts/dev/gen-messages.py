#!/usr/bin/env python3
"""Writes lib/moldau/protocol/messages/<api>.h from Kafka's JSON message specs.

A development aid, run by hand when an API or version is added: it reads the spec files from a
directory given on the command line (not part of this repository) and writes our own C++
descriptions in the Reader/Writer idiom of reader.h. The generated headers are committed and
are the source of truth for the build; the specs are never copied.

usage: scripts/dev/gen-messages.py <kafka-message-specs-dir>
"""
import json
import os
import re
import sys

# API name -> (min, max) versions Moldau supports, as far as the specs go. Versions newer than the
# specs were added to the generated header by hand, and regenerating drops them: Fetch v18 (the
# follower's high watermark tag), AlterPartitionReassignments v1 (AllowReplicationFactorChange).
APIS = {
    "Produce": (0, 9), "Fetch": (0, 17), "ListOffsets": (0, 7), "Metadata": (0, 12),
    "OffsetCommit": (0, 8), "OffsetFetch": (0, 8), "FindCoordinator": (0, 4),
    "JoinGroup": (0, 9), "Heartbeat": (0, 4), "LeaveGroup": (0, 5), "SyncGroup": (0, 5),
    "DescribeGroups": (0, 5), "ListGroups": (0, 5), "SaslHandshake": (0, 1),
    "ApiVersions": (0, 3), "CreateTopics": (0, 7), "DeleteTopics": (0, 6),
    "DeleteRecords": (0, 2), "InitProducerId": (0, 4), "OffsetForLeaderEpoch": (0, 4),
    "AddPartitionsToTxn": (0, 3), "AddOffsetsToTxn": (0, 3), "EndTxn": (0, 3),
    "WriteTxnMarkers": (0, 1), "TxnOffsetCommit": (0, 3), "DescribeConfigs": (0, 4),
    "AlterConfigs": (0, 2), "DescribeLogDirs": (0, 4), "SaslAuthenticate": (0, 2),
    "CreatePartitions": (0, 3), "DeleteGroups": (0, 2), "IncrementalAlterConfigs": (0, 1),
    "OffsetDelete": (0, 0), "DescribeCluster": (0, 1), "DescribeProducers": (0, 0),
    "DescribeTransactions": (0, 0), "ListTransactions": (0, 0),
    # Answered with Kafka's error for a broker without SASL, authorizer, tokens, quotas,
    # KRaft quorum or the new consumer group protocol; or served cheaply on one node.
    "DescribeAcls": (0, 3), "CreateAcls": (0, 3), "DeleteAcls": (0, 3),
    "AlterReplicaLogDirs": (0, 2), "CreateDelegationToken": (0, 3),
    "RenewDelegationToken": (0, 2), "ExpireDelegationToken": (0, 2),
    "DescribeDelegationToken": (0, 3), "ElectLeaders": (0, 2),
    "AlterPartitionReassignments": (0, 0), "ListPartitionReassignments": (0, 0),
    "DescribeClientQuotas": (0, 1), "AlterClientQuotas": (0, 1),
    "DescribeUserScramCredentials": (0, 0), "AlterUserScramCredentials": (0, 0),
    "DescribeQuorum": (0, 2), "UpdateFeatures": (0, 1), "UnregisterBroker": (0, 0),
    "ConsumerGroupHeartbeat": (0, 0), "ConsumerGroupDescribe": (0, 0),
    "ListClientMetricsResources": (0, 0), "DescribeTopicPartitions": (0, 0),
    "AddRaftVoter": (0, 0), "RemoveRaftVoter": (0, 0),
}

CPP_KEYWORDS = {"default", "delete", "new", "class", "operator", "register", "template",
                "this", "union", "public", "private", "protected", "namespace", "switch"}

PRIMITIVES = {
    "int8": ("int8_t", "i8", "0"), "int16": ("int16_t", "i16", "0"),
    "int32": ("int32_t", "i32", "0"), "int64": ("int64_t", "i64", "0"),
    "uint16": ("uint16_t", "u16", "0"), "uint32": ("uint32_t", "u32", "0"),
    "float64": ("double", "f64", "0"), "bool": ("bool", "boolean", "false"),
    "uuid": ("Uuid", "uuid", None), "string": ("std::string", "string", None),
    "bytes": ("Bytes", "bytes", None), "records": ("Records", "records", None),
}


def load(path):
    text = open(path).read()
    text = re.sub(r"^\s*//.*$", "", text, flags=re.M)
    return json.loads(text)


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()
    return s + "_" if s in CPP_KEYWORDS else s


def parse_versions(spec):
    """'3+' -> (3, None); '1-4' -> (1, 4); '2' -> (2, 2); 'none' -> None."""
    if spec is None or spec == "none":
        return None
    if spec.endswith("+"):
        return (int(spec[:-1]), None)
    if "-" in spec:
        a, b = spec.split("-")
        return (int(a), int(b))
    return (int(spec), int(spec))


def cond(vr, lo, hi):
    """A C++ condition on v for version range vr, given the message's supported [lo, hi]."""
    if vr is None:
        return "false"
    a, b = vr
    parts = []
    if a > lo:
        parts.append(f"v >= {a}")
    if b is not None and b < hi:
        parts.append(f"v <= {b}")
    return " && ".join(parts) if parts else "true"


def overlaps(vr, lo, hi):
    if vr is None:
        return False
    a, b = vr
    return a <= hi and (b is None or b >= lo)


def union_with(a, b):
    if a == b or b == "true":
        return a
    return b if a == "true" else f"({a}) && ({b})"


class Gen:
    def __init__(self, lo, hi, common):
        self.lo, self.hi = lo, hi
        self.common = {s["name"]: s for s in common}
        self.emitted_common = set()

    def field_type(self, f):
        t = f["type"]
        nullable = overlaps(parse_versions(f.get("nullableVersions")), self.lo, self.hi)
        if t.startswith("[]"):
            inner = t[2:]
            it = PRIMITIVES[inner][0] if inner in PRIMITIVES else inner
            vt = f"std::vector<{it}>"
            return (f"std::optional<{vt}>" if nullable else vt), nullable
        if t in PRIMITIVES:
            ct = PRIMITIVES[t][0]
            if nullable and t in ("string", "bytes"):
                return f"std::optional<{ct}>", True
            return ct, False
        if nullable:
            return f"std::optional<{t}>", True  # a nullable struct
        return t, False  # a struct

    def default(self, f, ctype, nullable):
        d = f.get("default")
        if isinstance(d, bool):
            d = "true" if d else "false"
        elif isinstance(d, int):
            d = str(d)
        t = f["type"]
        if nullable:
            return "" if d in (None, "null") else None
        if t in PRIMITIVES and PRIMITIVES[t][2] is not None:
            if d is None or d == "":
                return PRIMITIVES[t][2]
            if t == "bool":
                return d
            return d if d.startswith("0x") or d.lstrip("-").isdigit() else None
        if t == "string" and d not in (None, "", "null"):
            return json.dumps(d)
        return ""

    def io_call(self, f, name, member, vcond_nullable):
        """Statement(s) that drive `member` through io, for a field's type."""
        t = f["type"]
        if t.startswith("[]"):
            inner = t[2:]
            if inner in PRIMITIVES:
                ct, method, _ = PRIMITIVES[inner]
                elem = f"[&](IO& io, {ct}& e) {{ io.{method}(\"\", e); }}"
            else:
                elem = f"[&](IO& io, {inner}& e) {{ e.io(io, v); }}"
            return (f'io.array("{name}", {member}, {elem})', f'io.nullable_array("{name}", {member}, {elem})')
        if t in PRIMITIVES:
            method = PRIMITIVES[t][1]
            if t in ("string", "bytes"):
                return (f'io.{method}("{name}", {member})', f'io.nullable_{method}("{name}", {member})')
            return (f'io.{method}("{name}", {member})', None)
        if overlaps(parse_versions(f.get("nullableVersions")), self.lo, self.hi):
            # A nullable struct: int8 -1 for null, 1 and the struct otherwise.
            return (f"({member} ? *{member} : {member}.emplace()).io(io, v)",
                    f'io.nullable_struct("{name}", {member}, [&](IO& io, {t}& e) {{ e.io(io, v); }})')
        return (f"{member}.io(io, v)", None)

    def stmt(self, f, member):
        name = snake(f["name"])
        nv = parse_versions(f.get("nullableVersions"))
        plain, nullable_call = self.io_call(f, name, member, None)
        # Nullability is stated within the versions where the field exists at all.
        vr = parse_versions(f["versions"])
        lo = max(self.lo, vr[0])
        hi = self.hi if vr[1] is None else min(self.hi, vr[1])
        if nullable_call and overlaps(nv, lo, hi):
            c = cond(nv, lo, hi)
            if c == "true":
                return nullable_call + ";"
            return f"if ({c}) {{\n  {nullable_call};\n}} else {{\n  {plain};\n}}"
        return plain + ";"

    def present_expr(self, f, member, ctype, nullable, default):
        t = f["type"]
        if nullable:
            return f"{member}.has_value()"
        if t.startswith("[]"):
            return f"!{member}.empty()"
        if t == "uuid":
            return f"!{member}.is_zero()"
        if t in ("string", "bytes", "records"):
            return f"!{member}.empty()" if t != "records" else f"!{member}.is_null()"
        if t in PRIMITIVES:
            return f"{member} != {default or PRIMITIVES[t][2]}"
        return f"!({member} == {t}{{}})"

    def struct(self, name, fields, indent, extra_top=""):
        out = []
        pad = "  " * indent
        out.append(f"{pad}struct {name} {{")
        if extra_top:
            out.append(extra_top)
        # nested struct definitions first
        for f in fields:
            if not overlaps(parse_versions(f["versions"]), self.lo, self.hi):
                continue
            t = f["type"][2:] if f["type"].startswith("[]") else f["type"]
            if "fields" in f:
                out.extend(self.struct(t, f["fields"], indent + 1))
            elif t not in PRIMITIVES and t in self.common and t not in self.emitted_common:
                self.emitted_common.add(t)
                out.extend(self.struct(t, self.common[t]["fields"], indent + 1))
        members, plain, tagged = [], [], []
        for f in fields:
            vr = parse_versions(f["versions"])
            if not overlaps(vr, self.lo, self.hi):
                continue
            member = snake(f["name"])
            ctype, nullable = self.field_type(f)
            d = self.default(f, ctype, nullable)
            init = "{}" if d in ("", None) else f" = {d}"
            members.append(f"{pad}  {ctype} {member}{init};")
            tv = parse_versions(f.get("taggedVersions"))
            if tv is not None:
                c = union_with(cond(vr, self.lo, self.hi), cond(tv, self.lo, self.hi))
                if not overlaps(tv, self.lo, self.hi):
                    continue
                present = self.present_expr(f, member, ctype, nullable, d if d else None)
                body = self.stmt(f, member).replace("\n", " ")
                tagged.append((c, f["tag"], present, body))
            else:
                c = cond(vr, self.lo, self.hi)
                plain.append((c, self.stmt(f, member)))
        out.extend(members)
        out.append("")
        out.append(f"{pad}  template <class IO>")
        out.append(f"{pad}  void io(IO& io, int16_t v) {{")
        body = []
        for c, s in plain:
            lines = s.split("\n")
            if c == "true":
                body.extend(lines)
            elif len(lines) == 1:
                body.append(f"if ({c}) {lines[0]}")
            else:
                body.append(f"if ({c}) {{")
                body.extend("  " + l for l in lines)
                body.append("}")
        if tagged:
            body.append("io.tagged_fields([&](auto& tags) {")
            for c, tag, present, s in tagged:
                tcall = f"tags.field({tag}, {present}, [&](auto& io) {{ {s} }});"
                tcall = tcall.replace("IO& io", "auto& io")
                if c == "true":
                    body.append(f"  {tcall}")
                else:
                    body.append(f"  if ({c}) {tcall}")
            body.append("});")
        else:
            body.append("io.tagged_fields();")
        if not any("v" in re.findall(r"\bv\b", l) for l in body):
            body.insert(0, "(void)v;")
        out.extend(f"{pad}    {l}" for l in body)
        out.append(f"{pad}  }}")
        out.append(f"{pad}  friend bool operator==(const {name}&, const {name}&) = default;")
        out.append(f"{pad}}};")
        return out


def generate(spec_dir, api, lo, hi):
    req = load(os.path.join(spec_dir, f"{api}Request.json"))
    resp = load(os.path.join(spec_dir, f"{api}Response.json"))
    fv = parse_versions(req.get("flexibleVersions"))
    first_flexible = fv[0] if fv else 32767
    key = req["apiKey"]
    lines = [
        "#pragma once",
        f"// {api} (API key {key}), versions {lo}-{hi}: request and response, each described once",
        "// for both Reader and Writer (see protocol/reader.h). Generated by",
        "// scripts/dev/gen-messages.py from the protocol's message layouts; edit with care.",
        "",
        "#include <cstdint>",
        "#include <optional>",
        "#include <string>",
        "#include <vector>",
        "",
        '#include "moldau/common/uuid.h"',
        '#include "moldau/protocol/records.h"',
        "",
        "namespace moldau::protocol {",
        "",
    ]
    for kind, spec in (("Request", req), ("Response", resp)):
        g = Gen(lo, hi, spec.get("commonStructs", []))
        consts = (f"  static constexpr int16_t kApiKey = {key};\n"
                  f"  static constexpr const char* kApiName = \"{api}\";\n"
                  f"  static constexpr int16_t kMinVersion = {lo};\n"
                  f"  static constexpr int16_t kMaxVersion = {hi};\n"
                  f"  static constexpr int16_t kFirstFlexibleVersion = {first_flexible};\n")
        lines.extend(g.struct(f"{api}{kind}", spec["fields"], 0, consts))
        lines.append("")
    lines.append("}  // namespace moldau::protocol")
    return "\n".join(lines) + "\n"


def main():
    spec_dir = sys.argv[1]
    out_dir = os.path.join(os.path.dirname(__file__), "..", "..", "lib", "moldau", "protocol", "messages")
    os.makedirs(out_dir, exist_ok=True)
    for api, (lo, hi) in APIS.items():
        path = os.path.join(out_dir, snake(api) + ".h")
        with open(path, "w") as f:
            f.write(generate(spec_dir, api, lo, hi))
    with open(os.path.join(out_dir, "all.h"), "w") as f:
        f.write("#pragma once\n// Every message the codec knows.\n\n")
        for api in APIS:
            f.write(f'#include "moldau/protocol/messages/{snake(api)}.h"\n')
        f.write("\nnamespace moldau::protocol {\n\n")
        f.write("// Calls f.template operator()<Request, Response>() for every API.\n")
        f.write("template <class F>\nvoid for_each_api(F&& f) {\n")
        for api in APIS:
            f.write(f"  f.template operator()<{api}Request, {api}Response>();\n")
        f.write("}\n\n}  // namespace moldau::protocol\n")


if __name__ == "__main__":
    main()
