package io.sandboxer.adapter.customexecutor.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupIdFilterTest {
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final List<Long> named = new ArrayList<>();
    private final GroupIdFilter filter = new GroupIdFilter(log, named::add);

    @Test
    void theWrappersLineIsTakenOutAndEverythingAroundItPasses() throws IOException {
        write("motd from a start-up file\n" + GroupIdFilter.PREFIX + "4242\nthe job's own error\n");
        filter.end();
        assertEquals(List.of(4242L), named);
        assertEquals("motd from a start-up file\nthe job's own error\n", log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void byteByByteIsTheSameAsInOneWrite() throws IOException {
        for (byte b : (GroupIdFilter.PREFIX + "17\r\nx\n").getBytes(StandardCharsets.UTF_8)) {
            filter.write(b);
        }
        filter.end();
        assertEquals(List.of(17L), named);
        assertEquals("x\n", log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aJobPrintingTheMarkerLaterCannotNameAnotherGroup() throws IOException {
        write(GroupIdFilter.PREFIX + "100\n" + GroupIdFilter.PREFIX + "1\n");
        filter.end();
        assertEquals(List.of(100L), named);
        assertEquals(GroupIdFilter.PREFIX + "1\n", log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void malformedMarkersAndAPartialLastLineAreOutputNotAGroup() throws IOException {
        write(GroupIdFilter.PREFIX + "0\n" + GroupIdFilter.PREFIX + "-5\n" + GroupIdFilter.PREFIX + "12 ; rm\nno newline");
        filter.end();
        assertEquals(List.of(), named);
        assertEquals(GroupIdFilter.PREFIX + "0\n" + GroupIdFilter.PREFIX + "-5\n" + GroupIdFilter.PREFIX + "12 ; rm\nno newline",
                log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aLongLineBeforeAnyMarkerEndsTheLookingAndPassesWhole() throws IOException {
        String longLine = "y".repeat(5000);
        write(longLine + "\n" + GroupIdFilter.PREFIX + "9\n");
        filter.end();
        assertEquals(List.of(), named);
        assertEquals(longLine + "\n" + GroupIdFilter.PREFIX + "9\n", log.toString(StandardCharsets.UTF_8));
    }

    private void write(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        filter.write(bytes, 0, bytes.length);
    }
}
