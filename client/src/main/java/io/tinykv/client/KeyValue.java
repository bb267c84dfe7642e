package io.tinykv.client;

import com.google.protobuf.ByteString;
import java.util.Objects;

/** A key and its value; the value is empty when a scan was asked for keys only. */
public record KeyValue(ByteString key, ByteString value) {
    public KeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}
