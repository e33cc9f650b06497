package org.hetmerge.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The small expression language of family files. A string is first substituted ({@code {s}},
 * {@code {i+1}}: loop variables), then evaluated:
 *
 * <pre>
 *   expr   := or ('?' expr ':' expr)?
 *   or     := and ('||' and)*        and := cmp ('&amp;&amp;' cmp)*
 *   cmp    := sum (('=='|'!='|'&gt;'|'&lt;'|'&gt;='|'&lt;=') sum)?
 *   sum    := prod (('+'|'-') prod)*  prod := unary (('*'|'/') unary)*
 *   unary  := '!' unary | atom
 *   atom   := number | '(' expr ')' | '@' tensor '[' dim ']' (a dimension of a checkpoint tensor)
 *           | '?' tensor (the tensor exists) | '$' var | '#count(' pattern-with-{n} ')' | '#sqrt(' expr ')'
 *           | word (a string)
 * </pre>
 *
 * Integer arithmetic stays integral while it divides exactly. Operators must be separated by spaces
 * from words (tensor names contain dots and digits, never spaces).
 */
final class Expr {
    private Expr() {}

    /** Where an expression looks up tensors and variables. */
    interface Scope {
        long[] shape(String tensor); // null when absent

        Object var(String name); // throws when unknown

        Integer loopVar(String name); // null when not a loop variable
    }

    private static final Pattern BRACES = Pattern.compile("\\{([a-z_]+)([+-]\\d+)?}");

    /** Replaces {v} and {v±k} with loop-variable values. */
    static String substitute(String s, Scope scope) {
        Matcher m = BRACES.matcher(s);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            Integer v = scope.loopVar(m.group(1));
            if (v == null && m.group(1).equals("n")) {
                // {n} is #count's own index, filled in by #count.
                m.appendReplacement(b, Matcher.quoteReplacement(m.group()));
                continue;
            }
            if (v == null) {
                Object o = scope.var(m.group(1));
                if (!(o instanceof Long l)) throw new IllegalArgumentException("{" + m.group(1) + "} is not an integer variable");
                v = (int) (long) l;
            }
            int k = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
            m.appendReplacement(b, Integer.toString(v + k));
        }
        m.appendTail(b);
        return b.toString();
    }

    static Object eval(String src, Scope scope) {
        String s = substitute(src, scope);
        Parser p = new Parser(tokens(s), scope, src);
        Object v = p.expr();
        if (p.pos != p.toks.size()) throw new IllegalArgumentException("cannot parse '" + src + "' near '" + p.toks.get(p.pos) + "'");
        return v;
    }

    static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
            if (two.equals("&&") || two.equals("||") || two.equals("==") || two.equals("!=") || two.equals(">=") || two.equals("<=")) {
                out.add(two);
                i += 2;
            } else if ("()+*/<>:".indexOf(c) >= 0 || (c == '-' && (i + 1 >= s.length() || Character.isWhitespace(s.charAt(i + 1))))
                    || (c == '?' && (i + 1 >= s.length() || Character.isWhitespace(s.charAt(i + 1)))) || c == '!') {
                out.add(String.valueOf(c));
                i++;
            } else {
                int j = i;
                if (c == '#') {
                    // #fn( … ) keeps its parenthesised argument as one token.
                    int open = s.indexOf('(', i);
                    int depth = 0;
                    j = open;
                    do {
                        if (s.charAt(j) == '(') depth++;
                        if (s.charAt(j) == ')') depth--;
                        j++;
                    } while (depth > 0 && j < s.length());
                } else {
                    while (j < s.length() && !Character.isWhitespace(s.charAt(j)) && "()*/<>:".indexOf(s.charAt(j)) < 0) j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        return out;
    }

    private static final class Parser {
        final List<String> toks;
        final Scope scope;
        final String src;
        int pos;

        Parser(List<String> toks, Scope scope, String src) {
            this.toks = toks;
            this.scope = scope;
            this.src = src;
        }

        boolean eat(String t) {
            if (pos < toks.size() && toks.get(pos).equals(t)) {
                pos++;
                return true;
            }
            return false;
        }

        Object expr() {
            Object c = or();
            if (eat("?")) {
                Object a = expr();
                if (!eat(":")) throw new IllegalArgumentException("'" + src + "': '?' without ':'");
                Object b = expr();
                return truth(c) ? a : b;
            }
            return c;
        }

        Object or() {
            Object a = and();
            while (eat("||")) {
                Object b = and();
                a = truth(a) || truth(b);
            }
            return a;
        }

        Object and() {
            Object a = cmp();
            while (eat("&&")) {
                Object b = cmp();
                a = truth(a) && truth(b);
            }
            return a;
        }

        Object cmp() {
            Object a = sum();
            for (String op : List.of("==", "!=", ">=", "<=", ">", "<")) {
                if (eat(op)) {
                    Object b = sum();
                    if (op.equals("==")) return equal(a, b);
                    if (op.equals("!=")) return !equal(a, b);
                    double x = num(a), y = num(b);
                    return switch (op) {
                        case ">=" -> x >= y;
                        case "<=" -> x <= y;
                        case ">" -> x > y;
                        default -> x < y;
                    };
                }
            }
            return a;
        }

        Object sum() {
            Object a = prod();
            while (true) {
                if (eat("+")) a = arith(a, prod(), '+');
                else if (eat("-")) a = arith(a, prod(), '-');
                else return a;
            }
        }

        Object prod() {
            Object a = unary();
            while (true) {
                if (eat("*")) a = arith(a, unary(), '*');
                else if (eat("/")) a = arith(a, unary(), '/');
                else return a;
            }
        }

        Object unary() {
            if (eat("!")) return !truth(unary());
            return atom();
        }

        Object atom() {
            if (pos >= toks.size()) throw new IllegalArgumentException("'" + src + "' ends too early");
            if (eat("(")) {
                Object v = expr();
                if (!eat(")")) throw new IllegalArgumentException("'" + src + "': missing ')'");
                return v;
            }
            String t = toks.get(pos++);
            if (t.matches("-?\\d+")) return Long.parseLong(t);
            if (t.matches("-?\\d*\\.\\d+([eE]-?\\d+)?|-?\\d+[eE]-?\\d+")) return Double.parseDouble(t);
            if (t.equals("true") || t.equals("false")) return Boolean.parseBoolean(t);
            if (t.startsWith("@")) return dim(t);
            if (t.startsWith("?")) return scope.shape(t.substring(1)) != null;
            if (t.startsWith("$")) return scope.var(t.substring(1));
            if (t.startsWith("#count(")) return count(t.substring(7, t.length() - 1));
            if (t.startsWith("#sqrt(")) {
                double v = num(eval(t.substring(6, t.length() - 1), scope));
                long r = Math.round(Math.sqrt(v));
                if (r * r != (long) v) throw new IllegalArgumentException(src + ": " + (long) v + " is not a square");
                return r;
            }
            return t;
        }

        Object dim(String t) {
            int b = t.lastIndexOf('[');
            if (b < 0 || !t.endsWith("]")) throw new IllegalArgumentException("'" + t + "' should be @tensor[dim]");
            String name = t.substring(1, b);
            int d = Integer.parseInt(t.substring(b + 1, t.length() - 1));
            long[] s = scope.shape(name);
            if (s == null) throw new MissingTensor(name);
            if (d >= s.length) throw new IllegalArgumentException("tensor '" + name + "' has " + s.length + " dimensions, the family reads dimension " + d);
            return s[d];
        }

        long count(String pattern) {
            long n = 0;
            while (n < 100_000 && scope.shape(pattern.replace("{n}", Long.toString(n))) != null) n++;
            return n;
        }
    }

    /** A tensor the family needs and the checkpoint lacks. */
    static final class MissingTensor extends RuntimeException {
        final String tensor;

        MissingTensor(String tensor) {
            super("tensor '" + tensor + "' is missing");
            this.tensor = tensor;
        }
    }

    static boolean truth(Object o) {
        if (o instanceof Boolean b) return b;
        if (o instanceof Long l) return l != 0;
        if (o instanceof Double d) return d != 0;
        if (o instanceof String s) return !s.isEmpty();
        return o != null;
    }

    static double num(Object o) {
        if (o instanceof Long l) return l;
        if (o instanceof Double d) return d;
        throw new IllegalArgumentException("'" + o + "' is not a number");
    }

    static boolean equal(Object a, Object b) {
        if ((a instanceof Long || a instanceof Double) && (b instanceof Long || b instanceof Double)) return num(a) == num(b);
        return String.valueOf(a).equals(String.valueOf(b));
    }

    static Object arith(Object a, Object b, char op) {
        if (a instanceof Long x && b instanceof Long y) {
            switch (op) {
                case '+': return x + y;
                case '-': return x - y;
                case '*': return x * y;
                default:
                    if (y != 0 && x % y == 0) return x / y;
                    return (double) x / y;
            }
        }
        double x = num(a), y = num(b);
        return switch (op) {
            case '+' -> x + y;
            case '-' -> x - y;
            case '*' -> x * y;
            default -> x / y;
        };
    }
}
