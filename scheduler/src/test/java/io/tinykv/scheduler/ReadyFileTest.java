package io.tinykv.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadyFileTest {
    @TempDir
    Path dir;

    @Test
    void theAddressesWrittenAreTheAddressesRead() throws Exception {
        Path file = dir.resolve("store1.ready");
        assertThat(ReadyFile.read(file)).as("before the process wrote it").isEmpty();

        ReadyFile.write(file, ReadyFile.addresses(new HostAndPort("127.0.0.1", 40001), "127.0.0.1:0", 40002));

        assertThat(ReadyFile.read(file))
                .contains(Map.of(
                        ReadyFile.ADDR, "127.0.0.1:40001",
                        ReadyFile.STATUS_ADDR, "127.0.0.1:40002"));
        assertThat(Files.list(dir)).as("nothing left aside").containsExactly(file);
    }

    @Test
    void aStatusEndpointThatIsOffIsLeftOut() {
        assertThat(ReadyFile.addresses(new HostAndPort("127.0.0.1", 40001), "", -1))
                .containsOnlyKeys(ReadyFile.ADDR);
    }
}
