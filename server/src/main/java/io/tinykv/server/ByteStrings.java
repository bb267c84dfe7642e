package io.tinykv.server;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Takes the bytes of a request field as an array without copying them when that is safe. A field
 * parsed from a gRPC request is a {@code ByteString} over an array of its own, exactly its size,
 * that nothing else references and nothing ever changes; handing that array to storage (which
 * never changes a {@code Modify}'s arrays) saves one copy of every key and value on the write
 * path. Anything else (a slice of a larger array, a rope, a buffer) is copied, as
 * {@link ByteString#toByteArray} would.
 */
final class ByteStrings {

    private ByteStrings() {}

    /** The bytes of {@code bytes}: its own backing array when it is exactly that, else a copy. */
    static byte[] array(ByteString bytes) {
        if (bytes.isEmpty()) {
            return new byte[0];
        }
        WholeArray probe = new WholeArray(bytes.size());
        try {
            UnsafeByteOperations.unsafeWriteTo(bytes, probe);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return probe.found != null ? probe.found : bytes.toByteArray();
    }

    /** Keeps the array it is shown when it is one whole array of the expected size, in one piece. */
    private static final class WholeArray extends ByteOutput {
        private final int size;
        private byte[] found;
        private int pieces;

        WholeArray(int size) {
            this.size = size;
        }

        @Override
        public void writeLazy(byte[] value, int offset, int length) {
            pieces++;
            found = pieces == 1 && offset == 0 && length == size && value.length == size ? value : null;
        }

        @Override
        public void write(byte[] value, int offset, int length) {
            pieces++;
            found = null;
        }

        @Override
        public void write(byte value) {
            pieces++;
            found = null;
        }

        @Override
        public void write(ByteBuffer value) {
            pieces++;
            found = null;
        }

        @Override
        public void writeLazy(ByteBuffer value) {
            pieces++;
            found = null;
        }
    }
}
