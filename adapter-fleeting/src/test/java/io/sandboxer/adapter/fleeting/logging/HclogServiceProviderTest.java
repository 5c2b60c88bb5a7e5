package io.sandboxer.adapter.fleeting.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class HclogServiceProviderTest {
    @Test
    void librariesSpeakFromWarnUnlessTheUserAsksForDetail() {
        assertEquals(Level.INFO, HclogServiceProvider.thresholdFor("io.sandboxer.core.fleet.Fleet", Level.INFO));
        assertEquals(Level.WARN, HclogServiceProvider.thresholdFor("net.schmizz.sshj.transport.random.JCERandom", Level.INFO));
        assertEquals(Level.DEBUG, HclogServiceProvider.thresholdFor("net.schmizz.sshj.transport.random.JCERandom", Level.DEBUG));
        assertEquals(Level.ERROR, HclogServiceProvider.thresholdFor("net.schmizz.sshj.transport.random.JCERandom", Level.ERROR));
    }

    @Test
    void anUnknownLevelNameMeansInfo() {
        assertEquals(Level.INFO, HclogServiceProvider.level("verbose"));
        assertEquals(Level.DEBUG, HclogServiceProvider.level(" Debug "));
    }
}
