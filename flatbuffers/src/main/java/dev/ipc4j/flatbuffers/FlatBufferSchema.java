package dev.ipc4j.flatbuffers;

import com.google.flatbuffers.reflection.BaseType;
import com.google.flatbuffers.reflection.Schema;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A FlatBuffers binary schema ({@code .bfbs}: {@code flatc -b --schema x.fbs}) read into plain objects, so that a
 * buffer can be walked by it ({@link FlatBufferJson}) without the generated classes. The schema may come from another
 * process (the message tap sends it): reading checks every index it follows, and whatever does not hold up is an
 * {@link InvalidFlatBufferException}.
 *
 * @param objects the tables and structs, as the schema lists them (fields in id order, deprecated ones left out)
 * @param enums the enums and unions, as the schema lists them
 * @param root the index in {@code objects} of the root table
 * @param fileIdentifier the schema's {@code file_identifier}, or empty
 */
public record FlatBufferSchema(List<Table> objects, List<Enumeration> enums, int root, String fileIdentifier) {
    /** More of anything than a schema has is a broken one. */
    private static final int MAX_ITEMS = 1 << 16;

    /** A table or a struct: for a struct, its fields sit at fixed offsets in {@code bytes} bytes. */
    public record Table(String name, boolean struct, int bytes, List<Member> fields) {}

    /**
     * One field: for a table, {@code offset} is its vtable slot's offset; for a struct, its byte offset.
     *
     * @param type a {@link BaseType} value
     * @param element a vector's or array's element {@link BaseType}
     * @param index the object (Obj) or enum (scalars, unions) it refers to, or -1
     * @param length a fixed-size array's length
     */
    public record Member(String name, byte type, byte element, int index, int offset, int length) {}

    /** An enum or a union: value → name, and for a union value → the index of its table in {@code objects}. */
    public record Enumeration(String name, boolean union, Map<Long, String> names, Map<Long, Integer> tables) {}

    public FlatBufferSchema {
        objects = List.copyOf(objects);
        enums = List.copyOf(enums);
    }

    /**
     * Reads a binary schema.
     *
     * @param root the root table's full name, or empty for the schema's {@code root_type}
     * @throws InvalidFlatBufferException when {@code bfbs} is no binary schema, names objects or enums it lacks, or
     *     has no such root
     */
    public static FlatBufferSchema read(byte[] bfbs, String root) {
        ByteBuffer bb = ByteBuffer.wrap(bfbs).order(ByteOrder.LITTLE_ENDIAN);
        if (bfbs.length < 8 || !Schema.SchemaBufferHasIdentifier(bb)) {
            throw new InvalidFlatBufferException("not a FlatBuffers binary schema (no BFBS identifier)", 4);
        }
        try {
            return FlatBufferReader.read(() -> read(bb, root));
        } catch (NullPointerException e) { // a table the schema must have (a field's type, a name) is absent
            throw new InvalidFlatBufferException("a binary schema lacking a part it must have: " + e.getMessage(), e);
        }
    }

    private static FlatBufferSchema read(ByteBuffer bb, String root) {
        Schema s = Schema.getRootAsSchema(bb);
        int objectCount = count(s.objectsLength(), "objects");
        int enumCount = count(s.enumsLength(), "enums");
        List<Table> objects = new ArrayList<>(objectCount);
        Map<String, Integer> byName = new HashMap<>();
        for (int i = 0; i < objectCount; i++) {
            com.google.flatbuffers.reflection.Object o = s.objects(i);
            List<Member> fields = new ArrayList<>();
            List<Integer> ids = new ArrayList<>();
            for (int j = 0, n = count(o.fieldsLength(), "fields"); j < n; j++) {
                com.google.flatbuffers.reflection.Field f = o.fields(j);
                if (f.deprecated()) {
                    continue;
                }
                com.google.flatbuffers.reflection.Type t = f.type();
                fields.add(new Member(name(f.name()), t.baseType(), t.element(), t.index(), f.offset(), t.fixedLength()));
                ids.add(f.id());
            }
            List<Integer> order = new ArrayList<>();
            for (int j = 0; j < fields.size(); j++) {
                order.add(j);
            }
            order.sort(Comparator.comparing(ids::get)); // declaration order, as flatc prints
            objects.add(new Table(name(o.name()), o.isStruct(), o.bytesize(), order.stream().map(fields::get).toList()));
            byName.put(objects.getLast().name(), i);
        }
        List<Enumeration> enums = new ArrayList<>(enumCount);
        for (int i = 0; i < enumCount; i++) {
            com.google.flatbuffers.reflection.Enum e = s.enums(i);
            Map<Long, String> names = new HashMap<>();
            Map<Long, Integer> tables = new HashMap<>();
            for (int j = 0, n = count(e.valuesLength(), "enum values"); j < n; j++) {
                com.google.flatbuffers.reflection.EnumVal v = e.values(j);
                names.put(v.value(), name(v.name()));
                com.google.flatbuffers.reflection.Type u = v.unionType();
                if (e.isUnion() && u != null && u.baseType() == BaseType.Obj) {
                    tables.put(v.value(), u.index());
                }
            }
            enums.add(new Enumeration(name(e.name()), e.isUnion(), Map.copyOf(names), Map.copyOf(tables)));
        }
        int rootIndex;
        if (root.isEmpty()) {
            com.google.flatbuffers.reflection.Object r = s.rootTable();
            if (r == null) {
                throw new InvalidFlatBufferException("the schema has no root_type, and no root was named", -1);
            }
            rootIndex = byName.getOrDefault(name(r.name()), -1);
        } else {
            rootIndex = byName.getOrDefault(root, -1);
        }
        FlatBufferSchema schema = new FlatBufferSchema(objects, enums, rootIndex, s.fileIdent() == null ? "" : s.fileIdent());
        schema.check();
        return schema;
    }

    /** The root table. */
    public Table rootTable() {
        return objects.get(root);
    }

    /** Every index in range, the root a table: what the walk relies on. */
    private void check() {
        if (root < 0 || root >= objects.size() || objects.get(root).struct()) {
            throw new InvalidFlatBufferException("the schema's root is not one of its tables", -1);
        }
        for (Table t : objects) {
            for (Member m : t.fields()) {
                boolean obj = m.type() == BaseType.Obj || m.element() == BaseType.Obj && (m.type() == BaseType.Vector
                        || m.type() == BaseType.Array);
                boolean union = m.type() == BaseType.Union || m.type() == BaseType.UType;
                if (obj && (m.index() < 0 || m.index() >= objects.size())
                        || union && (m.index() < 0 || m.index() >= enums.size() || !enums.get(m.index()).union())
                        || !obj && !union && m.index() >= enums.size()) {
                    throw new InvalidFlatBufferException("field " + t.name() + "." + m.name() + " refers to index "
                            + m.index() + ", which the schema lacks", -1);
                }
                if (m.offset() < 0 || m.length() < 0 || t.struct() && m.offset() > t.bytes()) {
                    throw new InvalidFlatBufferException("field " + t.name() + "." + m.name() + " has offset "
                            + m.offset() + ", out of its object", -1);
                }
            }
        }
        for (Enumeration e : enums) {
            for (int index : e.tables().values()) {
                if (index < 0 || index >= objects.size() || objects.get(index).struct()) {
                    throw new InvalidFlatBufferException("union " + e.name() + " names object " + index
                            + ", not one of the schema's tables", -1);
                }
            }
        }
    }

    private static int count(int n, String what) {
        if (n < 0 || n > MAX_ITEMS) {
            throw new InvalidFlatBufferException("a schema with " + n + " " + what, -1);
        }
        return n;
    }

    private static String name(String s) {
        return s == null ? "" : s;
    }
}
