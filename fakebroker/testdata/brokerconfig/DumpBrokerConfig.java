import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Prints what a broker's Configuration is made of, for brokerconfig_gen.go: the four objects
 * BrokerController registers (in its order), the fields MixAll.object2Properties lists with
 * their defaults, and the setters MixAll.properties2Object calls, with the type it parses the
 * value as and the field each one writes (found by calling it on fresh objects).
 *
 * Output, one tab-separated record a line:
 *   F  class  field  type  null|=value     type is int, long, boolean, String or enum:A,B,C
 *   S  class  key    kind  fields          kind is int, long, boolean, String, double, float or
 *                                          enum:A,B,C (a String setter that takes only those)
 */
public class DumpBrokerConfig {
    static final String[] CLASSES = {
        "org.apache.rocketmq.common.BrokerConfig",
        "org.apache.rocketmq.remoting.netty.NettyServerConfig",
        "org.apache.rocketmq.remoting.netty.NettyClientConfig",
        "org.apache.rocketmq.store.config.MessageStoreConfig",
    };

    public static void main(String[] args) throws Exception {
        for (String name : CLASSES) {
            Class<?> c = Class.forName(name);
            for (Field f : listed(c)) {
                Object v = f.get(c.getDeclaredConstructor().newInstance());
                String value = v == null ? "null" : "=" + v;
                print("F", c.getSimpleName(), f.getName(), typeOf(f.getType()), value);
            }
            for (Map.Entry<String, List<Method>> e : setters(c).entrySet()) {
                probe(c, e.getKey(), e.getValue());
            }
        }
    }

    /** The fields object2Properties reads: declared, not static, not starting with "this". */
    static List<Field> listed(Class<?> c) {
        List<Field> out = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || f.getName().startsWith("this")) {
                continue;
            }
            f.setAccessible(true);
            out.add(f);
        }
        return out;
    }

    /** The public methods properties2Object would call for each key, by the key they read. */
    static Map<String, List<Method>> setters(Class<?> c) {
        Map<String, List<Method>> out = new TreeMap<>();
        for (Method m : c.getMethods()) {
            String mn = m.getName();
            if (!mn.startsWith("set") || mn.length() < 4 || m.getParameterCount() != 1) {
                continue;
            }
            if (kindOf(m.getParameterTypes()[0]) == null) {
                continue; // properties2Object skips parameter types it cannot parse to
            }
            String key = mn.substring(3, 4).toLowerCase() + mn.substring(4);
            out.computeIfAbsent(key, k -> new ArrayList<>()).add(m);
        }
        return out;
    }

    static String kindOf(Class<?> t) {
        switch (t.getSimpleName()) {
            case "int": case "Integer": return "int";
            case "long": case "Long": return "long";
            case "double": case "Double": return "double";
            case "boolean": case "Boolean": return "boolean";
            case "float": case "Float": return "float";
            case "String": return "String";
            default: return null;
        }
    }

    static String typeOf(Class<?> t) {
        if (t.isEnum()) {
            return "enum:" + constants(t);
        }
        return t.getSimpleName();
    }

    static String constants(Class<?> t) {
        List<String> names = new ArrayList<>();
        for (Object k : t.getEnumConstants()) {
            names.add(((Enum<?>) k).name());
        }
        return String.join(",", names);
    }

    /** Calls the key's setter with two different values on two fresh objects: the fields that
     *  differ afterwards are the ones it writes. */
    static void probe(Class<?> c, String key, List<Method> ms) throws Exception {
        if (ms.size() != 1) {
            throw new IllegalStateException(c.getSimpleName() + "." + key + ": several setters properties2Object would call");
        }
        Method m = ms.get(0);
        String kind = kindOf(m.getParameterTypes()[0]);
        Object[] values = probeValues(kind);
        Map<String, Object> a, b;
        try {
            a = fieldsAfter(c, m, values[0]);
            b = fieldsAfter(c, m, values[1]);
        } catch (InvocationTargetException e) {
            // A String setter that refuses arbitrary text: an enum's valueOf.
            Field f = c.getDeclaredField(key);
            if (!"String".equals(kind) || !f.getType().isEnum()) {
                throw e;
            }
            Object[] ks = f.getType().getEnumConstants();
            a = fieldsAfter(c, m, ((Enum<?>) ks[0]).name());
            b = fieldsAfter(c, m, ((Enum<?>) ks[1]).name());
            kind = "enum:" + constants(f.getType());
        }
        List<String> written = new ArrayList<>();
        for (String f : a.keySet()) {
            if (!Objects.equals(a.get(f), b.get(f))) {
                written.add(f);
            }
        }
        print("S", c.getSimpleName(), key, kind, String.join(",", written));
    }

    static Object[] probeValues(String kind) {
        switch (kind) {
            case "int": return new Object[] {11111, 22222};
            case "long": return new Object[] {11111L, 22222L};
            case "double": return new Object[] {1.5d, 2.5d};
            case "float": return new Object[] {1.5f, 2.5f};
            case "boolean": return new Object[] {true, false};
            default: return new Object[] {"probe-a", "probe-b"};
        }
    }

    static Map<String, Object> fieldsAfter(Class<?> c, Method m, Object value) throws Exception {
        Object o = c.getDeclaredConstructor().newInstance();
        m.invoke(o, value);
        Map<String, Object> out = new LinkedHashMap<>();
        for (Field f : c.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            f.setAccessible(true);
            Object v = f.get(o);
            out.put(f.getName(), v == null ? null : v.toString());
        }
        return out;
    }

    static void print(String... cols) {
        for (String col : cols) {
            if (col.contains("\t") || col.contains("\n")) {
                throw new IllegalStateException("a tab or line break in " + Arrays.toString(cols));
            }
        }
        System.out.println(String.join("\t", cols));
    }
}
