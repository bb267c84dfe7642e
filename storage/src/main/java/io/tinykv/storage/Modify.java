package io.tinykv.storage;

import java.util.Objects;

/** One change to the kv engine; a list of them is applied atomically by {@link Storage#write}. */
public sealed interface Modify permits Modify.Put, Modify.Delete, Modify.DeleteRange {

    Cf cf();

    /** Sets {@code key} to {@code value}. */
    record Put(Cf cf, byte[] key, byte[] value) implements Modify {
        public Put {
            Objects.requireNonNull(cf, "cf");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /** Removes {@code key}; removing an absent key is not an error. */
    record Delete(Cf cf, byte[] key) implements Modify {
        public Delete {
            Objects.requireNonNull(cf, "cf");
            Objects.requireNonNull(key, "key");
        }
    }

    /** Removes every key in {@code [startKey, endKey)}; an empty end key means no upper bound. */
    record DeleteRange(Cf cf, byte[] startKey, byte[] endKey) implements Modify {
        public DeleteRange {
            Objects.requireNonNull(cf, "cf");
            Objects.requireNonNull(startKey, "startKey");
            Objects.requireNonNull(endKey, "endKey");
        }
    }
}
