// Record values of the remote log metadata topic (__remote_log_metadata), serialized by Apache
// Kafka's own RemoteLogMetadataSerde, for parity_dump_log_remote_test.py. Run with Kafka's jars
// on the class path (java 17 runs a single source file):
//
//   java -cp '<kafka libs>/*' RemoteLogMetadataGen.java
//
// Prints one value per line as "<group> <hex>": group "valid" are objects Kafka's serde writes
// (every record type, every state, with and without custom metadata); group "rejected" are
// records Kafka's generated classes write but whose values the objects refuse when read back
// (a negative start offset, an unknown state, no leader epochs), written with the same framing.
// Everything is fixed (ids, times), so the output is the same on every run.

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.server.common.ApiMessageAndVersion;
import org.apache.kafka.server.common.serialization.BytesApiMessageSerde;
import org.apache.kafka.server.log.remote.metadata.storage.RemoteLogSegmentMetadataSnapshot;
import org.apache.kafka.server.log.remote.metadata.storage.generated.RemoteLogSegmentMetadataRecord;
import org.apache.kafka.server.log.remote.metadata.storage.generated.RemoteLogSegmentMetadataSnapshotRecord;
import org.apache.kafka.server.log.remote.metadata.storage.generated.RemoteLogSegmentMetadataUpdateRecord;
import org.apache.kafka.server.log.remote.metadata.storage.generated.RemotePartitionDeleteMetadataRecord;
import org.apache.kafka.server.log.remote.metadata.storage.serialization.RemoteLogMetadataSerde;
import org.apache.kafka.server.log.remote.storage.RemoteLogMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentId;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadata.CustomMetadata;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentMetadataUpdate;
import org.apache.kafka.server.log.remote.storage.RemoteLogSegmentState;
import org.apache.kafka.server.log.remote.storage.RemotePartitionDeleteMetadata;
import org.apache.kafka.server.log.remote.storage.RemotePartitionDeleteState;

public class RemoteLogMetadataGen {
    static final RemoteLogMetadataSerde SERDE = new RemoteLogMetadataSerde();
    // The framing alone, for records the objects would not let us make.
    static final BytesApiMessageSerde FRAMING = new BytesApiMessageSerde() {
        @Override
        public ApiMessage apiMessageFor(short apiKey) {
            throw new UnsupportedOperationException();
        }
    };

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x));
        return sb.toString();
    }

    static void valid(RemoteLogMetadata m) {
        System.out.println("valid " + hex(SERDE.serialize(m)));
    }

    static void rejected(ApiMessage m) {
        System.out.println("rejected " + hex(FRAMING.serialize(new ApiMessageAndVersion(m, (short) 0))));
    }

    static Map<Integer, Long> epochs(long... pairs) {
        Map<Integer, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put((int) pairs[i], pairs[i + 1]);
        return m;
    }

    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 7);
        return b;
    }

    public static void main(String[] args) {
        Uuid topicId = new Uuid(0x0123456789abcdefL, 0x0fedcba987654321L);
        TopicIdPartition orders = new TopicIdPartition(topicId, new TopicPartition("orders", 3));
        TopicIdPartition unicode = new TopicIdPartition(new Uuid(-1L, 1L), new TopicPartition("tópico-ünï", Integer.MAX_VALUE));
        RemoteLogSegmentId seg1 = new RemoteLogSegmentId(orders, new Uuid(0x1111111111111111L, 0x2222222222222222L));
        RemoteLogSegmentId seg2 = new RemoteLogSegmentId(unicode, new Uuid(Long.MIN_VALUE, Long.MAX_VALUE));

        // RemoteLogSegmentMetadataRecord: a copy started (no custom metadata), then finished with
        // custom metadata and an empty transaction index; leader epochs out of order and negative.
        RemoteLogSegmentMetadata started = new RemoteLogSegmentMetadata(seg1, 0, 199, 1700000000123L, 1,
                1700000000456L, 1048576, epochs(5, 120, 0, 0, 2, 40));
        valid(started);
        valid(new RemoteLogSegmentMetadata(seg1, 200, 200, -1L, -1, 1700000000999L, 0,
                Optional.of(new CustomMetadata(bytes(5))), RemoteLogSegmentState.COPY_SEGMENT_FINISHED,
                epochs(10, 200, -5, 200, Integer.MIN_VALUE, 200), true));
        valid(new RemoteLogSegmentMetadata(seg2, Long.MAX_VALUE - 1, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE,
                0L, Integer.MIN_VALUE, Optional.of(new CustomMetadata(bytes(300))),
                RemoteLogSegmentState.DELETE_SEGMENT_STARTED, epochs(0, Long.MAX_VALUE - 1), false));
        valid(new RemoteLogSegmentMetadata(seg2, 7, 9, 3L, 2, 4L, 5, Optional.of(new CustomMetadata(new byte[0])),
                RemoteLogSegmentState.DELETE_SEGMENT_FINISHED, epochs(1, 7), true));
        // RemoteLogSegmentMetadataUpdateRecord: every state, with and without custom metadata.
        RemoteLogSegmentState[] states = RemoteLogSegmentState.values();
        for (int i = 0; i < states.length; i++) {
            Optional<CustomMetadata> custom = i % 2 == 0 ? Optional.empty() : Optional.of(new CustomMetadata(bytes(i * 17)));
            valid(new RemoteLogSegmentMetadataUpdate(i < 2 ? seg1 : seg2, 1700000001000L + i, custom, states[i], i - 1));
        }
        // RemotePartitionDeleteMetadataRecord: every state.
        for (RemotePartitionDeleteState s : RemotePartitionDeleteState.values())
            valid(new RemotePartitionDeleteMetadata(s.ordinal() == 1 ? unicode : orders, s, 1700000002000L + s.ordinal(), 3));
        // RemoteLogSegmentMetadataSnapshotRecord (what a metadata snapshot file holds, the same serde).
        valid(new RemoteLogSegmentMetadataSnapshot(seg1.id(), 0, 199, 1700000000123L, 1, 1700000000456L, 1048576,
                Optional.empty(), RemoteLogSegmentState.COPY_SEGMENT_FINISHED, epochs(5, 120, 0, 0, 2, 40), false));
        valid(new RemoteLogSegmentMetadataSnapshot(seg2.id(), 10, 10, -1L, -1, 0L, 1, Optional.of(new CustomMetadata(bytes(33))),
                RemoteLogSegmentState.DELETE_SEGMENT_STARTED, epochs(-1, 10), true));

        // Records Kafka writes but whose values its objects refuse when reading them.
        rejected(segment(-1, 10, 1, epoch(0, 0)));  // negative start offset
        rejected(segment(10, 9, 1, epoch(0, 0)));  // end before start
        rejected(segment(0, 9, 1));  // no leader epochs
        rejected(segment(0, 9, 4, epoch(0, 0)));  // an unknown state
        rejected(segment(0, 9, -1));  // no leader epochs and an unknown state: the epochs are checked first
        rejected(segment(0, 9, 1, epoch(3, 1), epoch(3, 2), epoch(1, 0)));  // an epoch twice: the later one wins
        rejected(new RemoteLogSegmentMetadataUpdateRecord().setRemoteLogSegmentId(
                new RemoteLogSegmentMetadataUpdateRecord.RemoteLogSegmentIdEntry().setId(seg1.id()).setTopicIdPartition(
                        new RemoteLogSegmentMetadataUpdateRecord.TopicIdPartitionEntry().setName("orders").setId(topicId)
                                .setPartition(3)))
                .setBrokerId(1).setEventTimestampMs(5).setRemoteLogSegmentState((byte) 9));
        rejected(new RemotePartitionDeleteMetadataRecord().setTopicIdPartition(
                        new RemotePartitionDeleteMetadataRecord.TopicIdPartitionEntry().setName("orders").setId(topicId)
                                .setPartition(3))
                .setBrokerId(1).setEventTimestampMs(5).setRemotePartitionDeleteState((byte) 3));
        rejected(snapshot((byte) 7));  // an unknown state, checked before the (missing) epochs
        rejected(snapshot((byte) 0));  // no leader epochs
    }

    static RemoteLogSegmentMetadataRecord.SegmentLeaderEpochEntry epoch(int epoch, long offset) {
        return new RemoteLogSegmentMetadataRecord.SegmentLeaderEpochEntry().setLeaderEpoch(epoch).setOffset(offset);
    }

    static RemoteLogSegmentMetadataRecord segment(long start, long end, int state,
                                                  RemoteLogSegmentMetadataRecord.SegmentLeaderEpochEntry... epochs) {
        return new RemoteLogSegmentMetadataRecord()
                .setRemoteLogSegmentId(new RemoteLogSegmentMetadataRecord.RemoteLogSegmentIdEntry()
                        .setId(new Uuid(5L, 6L))
                        .setTopicIdPartition(new RemoteLogSegmentMetadataRecord.TopicIdPartitionEntry()
                                .setName("t").setId(new Uuid(7L, 8L)).setPartition(0)))
                .setStartOffset(start).setEndOffset(end).setBrokerId(1).setMaxTimestampMs(2).setEventTimestampMs(3)
                .setSegmentLeaderEpochs(List.of(epochs)).setSegmentSizeInBytes(4)
                .setRemoteLogSegmentState((byte) state);
    }

    static RemoteLogSegmentMetadataSnapshotRecord snapshot(byte state) {
        return new RemoteLogSegmentMetadataSnapshotRecord().setSegmentId(new Uuid(5L, 6L)).setStartOffset(0)
                .setEndOffset(1).setBrokerId(1).setMaxTimestampMs(2).setEventTimestampMs(3).setSegmentSizeInBytes(4)
                .setRemoteLogSegmentState(state);
    }
}
