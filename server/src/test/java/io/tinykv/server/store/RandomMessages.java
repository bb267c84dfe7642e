package io.tinykv.server.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.Map;
import java.util.Random;

/**
 * Random protobuf messages of a given type, filled by reflection: every field set or not, numbers
 * both small (ids, counts that mean something) and extreme, bytes and strings of any length up to a
 * bound, nested messages to a depth, repeated fields a few times. Messages named in
 * {@code plausible} (e.g. a valid {@code kvrpcpb.Context}) are sometimes used whole, so that a
 * request gets past the region checks and into the handler.
 */
final class RandomMessages {

    private static final int MAX_DEPTH = 4;
    private static final int MAX_REPEATED = 4;
    private static final int MAX_BYTES = 64;
    private static final int SMALL_NUMBER = 16;

    private final Random random;
    private final Map<String, Message> plausible;
    private final java.util.Set<Long> avoided;
    private final java.util.Set<String> smallOnly;

    /**
     * @param plausible messages by full type name, used whole half of the time
     * @param avoided small numbers never generated (the ids of what the test checks afterwards: a
     *     request naming them could change that data legitimately)
     * @param smallOnly fields (by name) that get small numbers only: bounds not yet enforced, which
     *     would take the test JVM down rather than show anything (reported, not fuzzed)
     */
    RandomMessages(
            Random random,
            Map<String, Message> plausible,
            java.util.Set<Long> avoided,
            java.util.Set<String> smallOnly) {
        this.random = random;
        this.plausible = plausible;
        this.avoided = avoided;
        this.smallOnly = smallOnly;
    }

    Message of(Message prototype) {
        return fill(prototype.newBuilderForType(), 0).build();
    }

    private Message.Builder fill(Message.Builder builder, int depth) {
        for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
            if (random.nextInt(3) == 0) {
                continue;
            }
            if (field.isRepeated()) {
                int count = random.nextInt(MAX_REPEATED + 1);
                for (int i = 0; i < count; i++) {
                    Object value = value(builder, field, depth);
                    if (value != null) {
                        builder.addRepeatedField(field, value);
                    }
                }
            } else {
                Object value = value(builder, field, depth);
                if (value != null) {
                    builder.setField(field, value);
                }
            }
        }
        return builder;
    }

    private Object value(Message.Builder parent, FieldDescriptor field, int depth) {
        return switch (field.getJavaType()) {
            case INT -> smallOnly.contains(field.getName()) ? (int) small() : (int) number();
            case LONG -> smallOnly.contains(field.getName()) ? small() : number();
            case FLOAT -> random.nextFloat();
            case DOUBLE -> random.nextDouble();
            case BOOLEAN -> random.nextBoolean();
            case STRING ->
                random.nextInt(4) == 0 ? "default" : new String(bytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            case BYTE_STRING -> ByteString.copyFrom(bytes());
            case ENUM -> {
                var values = field.getEnumType().getValues();
                yield values.get(random.nextInt(values.size()));
            }
            case MESSAGE -> {
                Message known = plausible.get(field.getMessageType().getFullName());
                if (known != null && random.nextBoolean()) {
                    yield known;
                }
                if (depth >= MAX_DEPTH) {
                    yield null;
                }
                yield fill(parent.newBuilderForField(field), depth + 1).build();
            }
        };
    }

    /** Small numbers (meaningful ids, counts), or anything, extremes included. */
    private long number() {
        return switch (random.nextInt(4)) {
            case 0 -> small();
            case 1 -> random.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
            case 2 -> random.nextInt();
            default -> random.nextLong();
        };
    }

    private long small() {
        long n;
        do {
            n = random.nextInt(SMALL_NUMBER);
        } while (avoided.contains(n));
        return n;
    }

    private byte[] bytes() {
        byte[] b = new byte[random.nextInt(MAX_BYTES + 1)];
        random.nextBytes(b);
        return b;
    }

    /** {@code message}'s bytes with a few flipped, dropped, inserted or the tail cut. */
    static byte[] mutate(byte[] message, Random random) {
        byte[] out = message.clone();
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits && out.length > 0; i++) {
            int at = random.nextInt(out.length);
            switch (random.nextInt(4)) {
                case 0 -> out[at] ^= (byte) (1 << random.nextInt(Byte.SIZE));
                case 1 -> out[at] = (byte) random.nextInt();
                case 2 -> out = java.util.Arrays.copyOf(out, at);
                default -> {
                    byte[] grown = new byte[out.length + 1];
                    System.arraycopy(out, 0, grown, 0, at);
                    grown[at] = (byte) random.nextInt();
                    System.arraycopy(out, at, grown, at + 1, out.length - at);
                    out = grown;
                }
            }
        }
        return out;
    }
}
