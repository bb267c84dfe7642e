package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RegisterCheckerTest {
    private static RegisterOp put(String value, long invoke, long complete) {
        return new RegisterOp("k", true, value, invoke, complete, 0);
    }

    private static RegisterOp get(String value, long invoke, long complete) {
        return new RegisterOp("k", false, value, invoke, complete, 1);
    }

    @Test
    void sequentialReadsOfTheLatestWriteAreLinearizable() {
        assertThat(RegisterChecker.check(List.of(
                get(null, 0, 1), put("a", 2, 3), get("a", 4, 5), put("b", 6, 7), get("b", 8, 9)))).isEmpty();
    }

    @Test
    void aStaleReadIsNot() {
        assertThat(RegisterChecker.check(List.of(put("a", 0, 1), put("b", 2, 3), get("a", 4, 5))))
                .hasValueSatisfying(m -> assertThat(m).contains("key k is not linearizable").contains("get k = a"));
    }

    @Test
    void aLostAcknowledgedWriteIsNot() {
        assertThat(RegisterChecker.check(List.of(put("a", 0, 1), get(null, 2, 3)))).isPresent();
    }

    @Test
    void overlappingOperationsMayTakeEffectInEitherOrder() {
        // The read overlaps both writes: it may see either, and a later read must agree with some order.
        assertThat(RegisterChecker.check(List.of(
                put("a", 0, 10), put("b", 1, 11), get("a", 2, 12), get("a", 13, 14)))).isEmpty();
        assertThat(RegisterChecker.check(List.of(
                put("a", 0, 10), put("b", 1, 11), get("b", 12, 13), get("a", 14, 15)))).isPresent();
    }

    @Test
    void aWriteOfUnknownOutcomeMayHaveHappenedOrNot() {
        long unknown = RegisterOp.UNKNOWN;
        assertThat(RegisterChecker.check(List.of(put("a", 0, 1), put("x", 2, unknown), get("a", 3, 4)))).isEmpty();
        assertThat(RegisterChecker.check(List.of(put("a", 0, 1), put("x", 2, unknown), get("x", 30, 40),
                get("x", 50, 60)))).isEmpty();
        // ... but not before it was called
        assertThat(RegisterChecker.check(List.of(put("a", 0, 1), get("x", 2, 3), put("x", 4, unknown)))).isPresent();
    }

    @Test
    void keysAreCheckedSeparately() {
        RegisterOp otherKey = new RegisterOp("j", true, "a", 0, 1, 0);
        assertThat(RegisterChecker.check(List.of(otherKey, get(null, 2, 3)))).isEmpty();
    }

    @Test
    void repeatedWriteValuesAreRefused() {
        assertThatThrownBy(() -> RegisterChecker.check(List.of(put("a", 0, 1), put("a", 2, 3))))
                .hasMessageContaining("unique");
    }
}
