package org.hetmerge.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hetmerge.util.UserException;

/** Class lists as users write them. */
public final class Classes {
    private Classes() {}

    /**
     * Parses "0-4", "0,1,2", "5-7,9" or class names ("noun.animal,noun.plant").
     * Rejects duplicates and ids out of range with a message naming the offender.
     */
    public static List<Integer> parse(String spec, DatasetInfo info) {
        if (spec == null || spec.isBlank()) throw new UserException("--classes is empty");
        int n = info.classNames().size();
        List<Integer> out = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (String part : spec.split(",", -1)) { // -1: ",," keeps its empty items
            String p = part.trim();
            if (p.isEmpty()) throw new UserException("--classes '" + spec + "' has an empty item");
            List<Integer> ids = new ArrayList<>();
            if (p.matches("\\d+-\\d+")) {
                int a = Integer.parseInt(p.substring(0, p.indexOf('-')));
                int b = Integer.parseInt(p.substring(p.indexOf('-') + 1));
                if (a > b) throw new UserException("--classes range '" + p + "' is empty (start > end)");
                for (int i = a; i <= b; i++) ids.add(i);
            } else if (p.matches("\\d+")) {
                ids.add(Integer.parseInt(p));
            } else {
                int idx = info.classNames().indexOf(p);
                if (idx < 0) throw new UserException("--classes: '" + p + "' is not a class of " + info.name() + " (classes: 0-" + (n - 1) + " or " + String.join(", ", info.classNames()) + ")");
                ids.add(idx);
            }
            for (int id : ids) {
                if (id < 0 || id >= n) throw new UserException("--classes: class " + id + " is out of range for " + info.name() + " (0-" + (n - 1) + ")");
                if (!seen.add(id)) throw new UserException("--classes: class " + id + " is listed twice in '" + spec + "'");
                out.add(id);
            }
        }
        if (out.isEmpty()) throw new UserException("--classes '" + spec + "' names no class");
        return out;
    }

}
