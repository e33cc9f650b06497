package org.hetmerge.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files hetmerge reads, checked before they are opened: a FIFO or a device given as a file would
 * block or stream for ever, and "missing" is the wrong word for either; a text file is UTF-8 or
 * named as not being it; a size cap keeps a 3 GB "model.json" from filling the heap.
 */
public final class InputFiles {
    private InputFiles() {}

    /** Why {@code p} is not a regular file (null: it is), phrased to follow the path: "is a directory". */
    public static String whyNotRegular(Path p) {
        if (Files.isRegularFile(p)) return null;
        if (Files.isSymbolicLink(p) && !Files.exists(p)) return "is a link to nothing";
        if (!Files.exists(p)) return "does not exist";
        if (Files.isDirectory(p)) return "is a directory, expected a file";
        return "is not a regular file (a FIFO, device or socket?)";
    }

    /** {@code p} as a regular file, or one line "LABEL P is a directory, expected a file". */
    public static Path requireRegular(Path p, String label) {
        String why = whyNotRegular(p);
        if (why != null) throw new UserException((label.isEmpty() ? "" : label + " ") + p + " " + why);
        return p;
    }

    /** The UTF-8 text of a regular file of at most {@code maxBytes}; every failure is one line naming the file. */
    public static String readUtf8(Path p, long maxBytes) {
        requireRegular(p, "");
        byte[] bytes;
        try {
            long size = Files.size(p);
            if (size > maxBytes) throw new UserException(p + ": " + String.format("%,d", size) + " bytes, more than the " + String.format("%,d", maxBytes) + " such a file can sensibly hold");
            bytes = Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UserException(p + ": cannot read (" + UserException.plain(e) + ")");
        }
        return decodeUtf8(bytes, p.toString());
    }

    /** {@code bytes} as UTF-8, or one line "NAME: not UTF-8 text (byte N)". */
    public static String decodeUtf8(byte[] bytes, String name) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            return d.decode(in).toString();
        } catch (CharacterCodingException e) {
            throw new UserException(name + ": not UTF-8 text (invalid byte 0x" + String.format("%02x", bytes[Math.min(firstBad(bytes), bytes.length - 1)] & 0xff)
                    + " at byte offset " + firstBad(bytes) + ")");
        }
    }

    /** The offset of the first byte that does not start or continue a valid UTF-8 sequence. */
    static int firstBad(byte[] b) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(b.length + 1);
        java.nio.charset.CoderResult r = d.decode(in, out, true);
        return r.isError() ? in.position() : b.length;
    }
}
