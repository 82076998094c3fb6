package io.kdumplab.harness.nightly;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.kagkarlsson.scheduler.serializer.Serializer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.UncheckedIOException;

/**
 * What one scheduled host run is: a host's part of a night. Stored by db-scheduler as JSON (`{"night": ..., "host":
 * ...}`, readable in the database); a task scheduled by an older harness, a Java-serialized "night\nhost" string, is
 * still read.
 */
public record HostRunTask(String night, String host) {
    /** The id of its execution: one per host and night, whichever orchestrator schedules it. */
    String instanceId() {
        return night + "/" + host;
    }

    /** db-scheduler's task data: JSON for new tasks, the old string form understood. */
    static final class Data implements Serializer {
        private static final ObjectMapper JSON = new ObjectMapper();
        /** The first two bytes of a Java serialization stream (STREAM_MAGIC). */
        private static final int JAVA_MAGIC = 0xACED;

        @Override
        public byte[] serialize(Object data) {
            try {
                return JSON.writeValueAsBytes(data);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the task data " + data, e);
            }
        }

        @Override
        public <T> T deserialize(Class<T> type, byte[] bytes) {
            try {
                if (bytes.length >= 2 && ((bytes[0] & 0xff) << 8 | (bytes[1] & 0xff)) == JAVA_MAGIC) {
                    return type.cast(legacy(bytes));
                }
                return JSON.readValue(bytes, type);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read task data of type " + type.getSimpleName(), e);
            }
        }

        /** An older harness's task: the string "night\nhost", Java-serialized (db-scheduler's default then). */
        private static HostRunTask legacy(byte[] bytes) throws IOException {
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
                @Override
                protected Class<?> resolveClass(java.io.ObjectStreamClass d) throws IOException, ClassNotFoundException {
                    if (!d.getName().equals(String.class.getName())) {
                        throw new java.io.InvalidClassException(d.getName(), "only a string is expected in old task data");
                    }
                    return super.resolveClass(d);
                }
            }) {
                String s = (String) in.readObject();
                String[] parts = s.split("\n", 2);
                if (parts.length != 2) {
                    throw new IOException("old task data is not 'night\\nhost': " + s);
                }
                return new HostRunTask(parts[0], parts[1]);
            } catch (ClassNotFoundException e) {
                throw new IOException(e);
            }
        }
    }
}
