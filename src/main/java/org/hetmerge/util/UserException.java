package org.hetmerge.util;

/** A problem with the user's input (flags, files, data): printed as one line, exit code 2. */
public class UserException extends RuntimeException {
    public UserException(String message) {
        super(message);
    }

    public UserException(String message, Throwable cause) {
        super(message, cause);
    }
}
