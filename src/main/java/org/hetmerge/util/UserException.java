package org.hetmerge.util;

/** A problem with the user's input (flags, files, data): printed as one line, exit code 2. */
public class UserException extends RuntimeException {
    public UserException(String message) {
        super(message);
    }

    public UserException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * A library's explanation in words a user can act on: Java class names ("java.lang.Number…
     * Exception: ") and Gson's JSON-path suffixes are dropped, a number that did not parse is
     * named as such.
     */
    public static String plain(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c && (c.getMessage() == null || c.getMessage().startsWith("java.") || c.getMessage().startsWith("com."))) c = c.getCause();
        String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        m = m.replaceAll("(java|com|javax)\\.[\\w.$]+(Exception|Error): ", "");
        m = m.replaceFirst("^For input string: \"(.*)\"$", "'$1' is not a number");
        m = m.replaceAll(" path \\$\\S*", "");
        m = m.replaceAll("\\s*See https://github.com/google/gson/\\S+", "");
        if (c instanceof ArithmeticException) m = "a value leads to " + m + " (a size or stride of 0?)";
        if (c instanceof ClassCastException) m = "a field has the wrong JSON type (an object, array, string or number where another belongs)";
        return m;
    }
}
