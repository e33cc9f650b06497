package org.hetmerge.util;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.Map;

/**
 * Checks a JSON value against the Java type Gson is about to read it as, naming the first field
 * whose JSON type does not fit. Gson alone is lenient in ways a hand-edited model.json turns into
 * silent nonsense ({@code "bias": "yes"} reads as false) or into library text as the only
 * explanation ("For input string", "Expected BEGIN_ARRAY but was STRING").
 */
public final class JsonTypes {
    private JsonTypes() {}

    /**
     * Why {@code e} cannot be read as {@code type} (null: it can), e.g. {@code nodes[3].out is
     * "sixty-four", expected an integer}. A missing or null field of a record is accepted here
     * (records give defaults and check their own values); see {@link #missing} for required ones.
     */
    public static String typeError(JsonElement e, Type type, String path) {
        if (e == null || e.isJsonNull()) return null;
        Class<?> raw = raw(type);
        String expected = expected(raw);
        if (expected != null) return primitiveError(e, raw, path, expected);
        if (raw.isEnum()) {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
                for (Object c : raw.getEnumConstants()) if (((Enum<?>) c).name().equals(e.getAsString())) return null;
            }
            return found(path, e) + ", expected one of " + java.util.Arrays.toString(raw.getEnumConstants());
        }
        if (raw.isArray() || Collection.class.isAssignableFrom(raw)) {
            if (!e.isJsonArray()) return found(path, e) + ", expected an array";
            Type item = raw.isArray() ? itemOfArray(type) : argument(type, 0);
            for (int i = 0; i < e.getAsJsonArray().size(); i++) {
                // A null item is never something hetmerge wrote, and Gson would pass it on as a null element.
                if (e.getAsJsonArray().get(i).isJsonNull()) return path + "[" + i + "] is null, expected " + describe(item);
                String bad = typeError(e.getAsJsonArray().get(i), item, path + "[" + i + "]");
                if (bad != null) return bad;
            }
            return null;
        }
        if (Map.class.isAssignableFrom(raw)) {
            if (!e.isJsonObject()) return found(path, e) + ", expected an object";
            for (Map.Entry<String, JsonElement> x : e.getAsJsonObject().entrySet()) {
                if (x.getValue().isJsonNull()) return path + "." + x.getKey() + " is null, expected " + describe(argument(type, 1));
                String bad = typeError(x.getValue(), argument(type, 1), path + "." + x.getKey());
                if (bad != null) return bad;
            }
            return null;
        }
        if (raw.isRecord()) {
            if (!e.isJsonObject()) return found(path, e) + ", expected an object";
            JsonObject o = e.getAsJsonObject();
            for (RecordComponent rc : raw.getRecordComponents()) {
                String bad = typeError(o.get(rc.getName()), rc.getGenericType(), join(path, rc.getName()));
                if (bad != null) return bad;
            }
            return null;
        }
        return null; // a type this checker does not know: Gson's own checks apply
    }

    /** The first component of {@code record} that {@code o} lacks or holds as null (null: none). */
    public static String missing(JsonObject o, Class<?> record) {
        for (RecordComponent rc : record.getRecordComponents()) {
            if (!o.has(rc.getName()) || o.get(rc.getName()).isJsonNull()) return rc.getName();
        }
        return null;
    }

    /** The first field of {@code o} that is not a component of {@code record} (null: none): a misspelt attribute must not pass unread. */
    public static String unknown(JsonObject o, Class<?> record) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (RecordComponent rc : record.getRecordComponents()) names.add(rc.getName());
        for (String k : o.keySet()) if (!names.contains(k)) return k;
        return null;
    }

    /** What a value of this type looks like in JSON, for messages. */
    static String describe(Type t) {
        Class<?> raw = raw(t);
        String p = expected(raw);
        if (p != null) return p;
        if (raw.isArray() || Collection.class.isAssignableFrom(raw)) return "an array";
        if (raw.isEnum()) return "one of " + java.util.Arrays.toString(raw.getEnumConstants());
        return "an object";
    }

    private static String expected(Class<?> raw) {
        if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class || raw == short.class) return "an integer";
        if (raw == float.class || raw == Float.class || raw == double.class || raw == Double.class) return "a number";
        if (raw == boolean.class || raw == Boolean.class) return "true or false";
        if (raw == String.class) return "a string";
        return null;
    }

    private static String primitiveError(JsonElement e, Class<?> raw, String path, String expected) {
        if (!e.isJsonPrimitive()) return found(path, e) + ", expected " + expected;
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (expected.equals("an integer") && p.isNumber() && wholeNumber(p)) {
            boolean isLong = raw == long.class || raw == Long.class;
            long min = isLong ? Long.MIN_VALUE : Integer.MIN_VALUE, max = isLong ? Long.MAX_VALUE : Integer.MAX_VALUE;
            // A whole number out of range is named as such, not as "not an integer".
            if (!integral(p, min, max)) return found(path, e) + ", expected an integer from " + min + " to " + max;
        }
        boolean ok = switch (expected) {
            case "an integer" -> p.isNumber() && integral(p, raw == long.class || raw == Long.class ? Long.MIN_VALUE : Integer.MIN_VALUE,
                    raw == long.class || raw == Long.class ? Long.MAX_VALUE : Integer.MAX_VALUE);
            case "a number" -> p.isNumber();
            case "true or false" -> p.isBoolean();
            default -> p.isString();
        };
        return ok ? null : found(path, e) + ", expected " + expected;
    }

    private static boolean wholeNumber(JsonPrimitive p) {
        try {
            java.math.BigDecimal d = new java.math.BigDecimal(p.getAsString());
            return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
        } catch (NumberFormatException x) {
            return false;
        }
    }

    private static boolean integral(JsonPrimitive p, long min, long max) {
        java.math.BigDecimal d;
        try {
            d = new java.math.BigDecimal(p.getAsString());
        } catch (NumberFormatException x) {
            return false;
        }
        if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0) return false;
        return d.compareTo(java.math.BigDecimal.valueOf(min)) >= 0 && d.compareTo(java.math.BigDecimal.valueOf(max)) <= 0;
    }

    private static String found(String path, JsonElement e) {
        String s = e.toString();
        return (path.isEmpty() ? "the value" : path) + " is " + (s.length() > 40 ? s.substring(0, 40) + "…" : s);
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) return c;
        if (t instanceof ParameterizedType p) return (Class<?>) p.getRawType();
        if (t instanceof GenericArrayType g) return java.lang.reflect.Array.newInstance(raw(g.getGenericComponentType()), 0).getClass();
        return Object.class;
    }

    private static Type itemOfArray(Type t) {
        if (t instanceof GenericArrayType g) return g.getGenericComponentType();
        return ((Class<?>) t).getComponentType();
    }

    private static Type argument(Type t, int i) {
        return t instanceof ParameterizedType p ? p.getActualTypeArguments()[i] : Object.class;
    }
}
