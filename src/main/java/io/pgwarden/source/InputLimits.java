package io.pgwarden.source;

import io.pgwarden.spec.SpecParser;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Kubernetes' own limits held to outside input, whichever mode it comes from: a value of at most 1
 * MiB, and user names and passwords that are valid UTF-8 without a control character. A refusal
 * names what was refused ({@code what}: a Secret and key, a file) and never shows the value.
 */
public final class InputLimits {
  /** 1 MiB: Kubernetes' limit for an object, so for a Secret or ConfigMap value too. */
  public static final int MAX_BYTES = SpecParser.MAX_BYTES;

  private InputLimits() {}

  /** Refuses a value of {@code size} bytes over {@link #MAX_BYTES}. */
  public static void checkSize(long size, String what) throws InputRefusedException {
    if (size > MAX_BYTES) {
      throw tooLarge(what, size);
    }
  }

  /**
   * The refusal of a value over the limit; {@code size} is its size in bytes when known, else
   * negative.
   */
  public static InputRefusedException tooLarge(String what, long size) {
    return new InputRefusedException(
        what
            + ": "
            + (size >= 0 ? size + " bytes" : "more than " + MAX_BYTES + " bytes")
            + ", over the limit of "
            + MAX_BYTES
            + " bytes (1 MiB, Kubernetes' own limit for an object); refused before it is used");
  }

  /**
   * A user name or password as text: strict UTF-8 (a malformed byte is refused, not replaced) with
   * no control character (C0, DEL or C1: a newline would cut the {@code .pgpass} line, a NUL the
   * string postgres receives). With {@code handWritten} (a file edited by hand), one trailing
   * newline is not part of the value.
   */
  public static char[] credential(byte[] value, String what, boolean handWritten)
      throws InputRefusedException {
    checkSize(value.length, what);
    CharBuffer chars;
    try {
      chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(value));
    } catch (CharacterCodingException e) {
      throw new InputRefusedException(
          what + ": is not valid UTF-8 text; refused (user names and passwords must be UTF-8)");
    }
    int length = chars.remaining();
    if (handWritten && length > 0 && chars.get(length - 1) == '\n') {
      length--;
    }
    char[] out = new char[length];
    chars.get(out);
    checkNoControl(out, what);
    return out;
  }

  /** Refuses {@code value} when it holds a control character, naming its code and position. */
  public static void checkNoControl(char[] value, String what) throws InputRefusedException {
    for (int i = 0; i < value.length; i++) {
      if (Character.isISOControl(value[i])) {
        throw new InputRefusedException(
            what
                + ": contains a control character ("
                + "U+"
                + HexFormat.of().withUpperCase().toHexDigits(value[i])
                + " at "
                + i
                + "); refused: user names and passwords must have no newline, carriage return,"
                + " NUL or other control character");
      }
    }
  }
}
