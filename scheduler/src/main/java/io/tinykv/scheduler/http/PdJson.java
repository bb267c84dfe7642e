package io.tinykv.scheduler.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The JSON writer of the PD views: record components in snake_case as PD's Go structs name them,
 * and null components left out, which is how the views express Go's {@code omitempty}.
 */
public final class PdJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private PdJson() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** The value as JSON bytes (UTF-8). */
    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** Go's omitempty for numbers: zero is left out. */
    static Long nonZero(long value) {
        return value == 0 ? null : value;
    }
}
