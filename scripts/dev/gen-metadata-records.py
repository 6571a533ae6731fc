#!/usr/bin/env python3
"""Writes lib/moldau/ops/metadata_records.inc from Kafka's record specs (KRaft and others).

A development aid, run by hand when Kafka adds a metadata record or version: it reads the
record specs from Kafka's jars (common/metadata/*.json in kafka-metadata-<v>.jar; the raft
control records LeaderChangeMessage, SnapshotHeaderRecord, SnapshotFooterRecord,
KRaftVersionRecord and VotersRecord under common/message/ in kafka-clients-<v>.jar; the share
coordinator's __share_group_state keys and values, common/message/Share*.json in
kafka-share-coordinator-<v>.jar; the remote log metadata topic's records,
message/Remote*.json in kafka-storage-<v>.jar) and writes tables of our own that
lib/moldau/ops/metadata_records.cpp interprets: per record its api key, type name, flexible
versions and fields (JSON name, type, versions, nullable versions, tag, default). The
generated file is committed; the specs are never copied.

usage: scripts/dev/gen-metadata-records.py <kafka libs dir, e.g. ~/.cache/moldau/kafka-4.4.0/libs>
"""
import glob
import json
import os
import re
import sys
import zipfile

CONTROL = ["LeaderChangeMessage", "SnapshotHeaderRecord", "SnapshotFooterRecord", "KRaftVersionRecord",
           "VotersRecord"]
OPEN = 0x7fff

TYPES = {"int8": "kInt8", "int16": "kInt16", "int32": "kInt32", "int64": "kInt64", "uint16": "kUint16",
         "uint32": "kUint32", "float64": "kFloat64", "bool": "kBool", "string": "kString", "bytes": "kBytes",
         "uuid": "kUuid"}


def load(text):
    return json.loads(re.sub(r"^\s*//.*$", "", text, flags=re.M))


def versions(spec):
    """'3+' -> (3, OPEN); '1-4' -> (1, 4); '2' -> (2, 2); none -> (-1, -1)."""
    if spec is None or spec == "none":
        return (-1, -1)
    if spec.endswith("+"):
        return (int(spec[:-1]), OPEN)
    if "-" in spec:
        a, b = spec.split("-")
        return (int(a), int(b))
    return (int(spec), int(spec))


def snake_upper(name):
    """Kafka's MetadataRecordType names: an underscore before a capital that follows a small letter."""
    out, prev_cap = "", True
    for c in name:
        if c.isupper():
            if not prev_cap:
                out += "_"
            out += c.lower()
            prev_cap = True
        else:
            out += c
            prev_cap = False
    return out.upper()


def camel(name):
    return name[0].lower() + name[1:]


class Gen:
    def __init__(self):
        self.out = []
        self.n = 0

    def struct(self, prefix, fields, common):
        """Emits the fields of one struct (children first); returns the C++ name of its table."""
        rows = []
        for f in fields:
            t = f["type"]
            is_array = t.startswith("[]")
            base = t[2:] if is_array else t
            sub = "nullptr"
            if base in TYPES:
                kind = TYPES[base]
            else:
                kind = "kStruct"
                sub_fields = f.get("fields") or common[base]
                sub = "&" + self.struct(prefix + base, sub_fields, common)
            lo, hi = versions(f.get("versions"))
            nlo, nhi = versions(f.get("nullableVersions"))
            tag = f.get("tag", -1)
            tlo, thi = versions(f.get("taggedVersions")) if "tag" in f else (-1, -1)
            default = f.get("default", "")
            if isinstance(default, bool):
                default = "true" if default else "false"
            rows.append(f'    {{"{camel(f["name"])}", Type::{kind}, {"true" if is_array else "false"}, {lo}, {hi}, '
                        f'{nlo}, {nhi}, {tag}, {tlo}, {thi}, "{default}", {sub}}},')
        self.n += 1
        name = f"k{prefix}{self.n}"
        self.out.append(f"const Field {name}Fields[] = {{\n" + "\n".join(rows) + "\n};")
        self.out.append(f"const Struct {name} = {{{name}Fields, {len(rows)}}};")
        return name

    def message(self, spec):
        common = {c["name"]: c["fields"] for c in spec.get("commonStructs", [])}
        table = self.struct(spec["name"], spec["fields"], common)
        lo, hi = versions(spec["validVersions"])
        flo, _ = versions(spec.get("flexibleVersions"))
        return table, lo, hi, flo


def main(libs):
    meta_jar = glob.glob(os.path.join(libs, "kafka-metadata-*.jar"))[0]
    clients_jar = [j for j in glob.glob(os.path.join(libs, "kafka-clients-*.jar")) if "test" not in j][0]
    share_jar = glob.glob(os.path.join(libs, "kafka-share-coordinator-*.jar"))[0]
    storage_jar = glob.glob(os.path.join(libs, "kafka-storage-[0-9]*.jar"))[0]
    g = Gen()
    records, control, share, remote = [], [], [], []
    with zipfile.ZipFile(meta_jar) as z:
        specs = [load(z.read(n).decode()) for n in z.namelist()
                 if n.startswith("common/metadata/") and n.endswith(".json")]
    for spec in sorted((s for s in specs if s.get("type") == "metadata"), key=lambda s: s["apiKey"]):
        table, lo, hi, flo = g.message(spec)
        records.append(f'    {{{spec["apiKey"]}, "{snake_upper(spec["name"])}", {lo}, {hi}, {flo}, &{table}}},')
    with zipfile.ZipFile(clients_jar) as z:
        for name in CONTROL:
            spec = load(z.read(f"common/message/{name}.json").decode())
            table, lo, hi, flo = g.message(spec)
            control.append(f'    {{-1, "{name}", {lo}, {hi}, {flo}, &{table}}},')
    with zipfile.ZipFile(share_jar) as z:
        specs = [load(z.read(n).decode()) for n in sorted(z.namelist())
                 if n.startswith("common/message/Share") and n.endswith(".json")]
    for spec in sorted(specs, key=lambda s: (s["type"], s["apiKey"])):
        table, lo, hi, flo = g.message(spec)
        share.append(f'    {{{spec["apiKey"]}, "{spec["type"]}", {lo}, {hi}, {flo}, &{table}}},')
    with zipfile.ZipFile(storage_jar) as z:
        specs = [load(z.read(n).decode()) for n in sorted(z.namelist())
                 if n.startswith("message/Remote") and n.endswith(".json")]
    for spec in sorted(specs, key=lambda s: s["apiKey"]):
        table, lo, hi, flo = g.message(spec)
        remote.append(f'    {{{spec["apiKey"]}, "{spec["name"]}", {lo}, {hi}, {flo}, &{table}}},')
    text = ("// Generated by scripts/dev/gen-metadata-records.py from Kafka's record specs; do not edit.\n"
            "// Included by metadata_records.cpp inside its anonymous namespace.\n\n"
            + "\n".join(g.out) + "\n\n"
            "// Metadata records by api key: {api key, type name, min version, max version, first flexible version}.\n"
            "const Message kMetadataRecords[] = {\n" + "\n".join(records) + "\n};\n\n"
            "// Raft control records, by message name.\n"
            "const Message kControlRecords[] = {\n" + "\n".join(control) + "\n};\n\n"
            "// __share_group_state records: keys and values by record type (coordinator-key, coordinator-value).\n"
            "const Message kShareStateRecords[] = {\n" + "\n".join(share) + "\n};\n\n"
            "// The remote log metadata topic's records (__remote_log_metadata) by api key.\n"
            "const Message kRemoteLogMetadataRecords[] = {\n" + "\n".join(remote) + "\n};\n")
    dest = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib", "moldau", "ops",
                        "metadata_records.inc")
    with open(dest, "w") as f:
        f.write(text)
    print(f"wrote {os.path.normpath(dest)}: {len(records)} metadata records, {len(control)} control records, "
          f"{len(share)} share group state keys and values, {len(remote)} remote log metadata records")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
