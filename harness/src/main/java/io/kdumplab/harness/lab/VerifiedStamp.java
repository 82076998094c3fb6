package io.kdumplab.harness.lab;

import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.util.KeyValues;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What the image disk looked like (size, inode, mtime, ctime) when its checksum last matched, so that later uses skip
 * hashing 3 GB (9 s each) while the file is provably untouched. As git's index does with "racy" entries, a disk changed
 * within {@link #RACY} before its hash started is not trusted (a write in the same timestamp tick would look unchanged),
 * and a disk that changed while it was hashed gets no stamp. ctime cannot be set back by a user, so a write whose mtime
 * was restored is still seen.
 */
final class VerifiedStamp {
    static final String FILE = "disk.verified";
    static final Duration RACY = Duration.ofSeconds(2);

    private final String identity;
    private final Instant changedAt;
    private final Instant takenAt;

    private VerifiedStamp(String identity, Instant changedAt, Instant takenAt) {
        this.identity = identity;
        this.changedAt = changedAt;
        this.takenAt = takenAt;
    }

    /** The disk as it is now, taken before hashing it. */
    static VerifiedStamp before(Path disk) throws IOException {
        Instant now = Instant.now();
        Map<String, Object> a = Files.readAttributes(disk, "unix:size,ino,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
        FileTime m = (FileTime) a.get("lastModifiedTime");
        FileTime c = (FileTime) a.get("ctime");
        return new VerifiedStamp(a.get("size") + ":" + a.get("ino") + ":" + nanos(m) + ":" + nanos(c),
                m.compareTo(c) > 0 ? m.toInstant() : c.toInstant(), now);
    }

    /** True when the stamp names this checksum and the disk has not changed since a hash that matched it. */
    static boolean holds(Path dir, Path disk, String checksum) {
        Path f = dir.resolve(FILE);
        try {
            if (!Files.exists(f) || !Files.exists(disk)) {
                return false;
            }
            Map<String, String> stamp = KeyValues.parse(Files.readString(f));
            return checksum.equals(stamp.get("sha256")) && before(disk).identity.equals(stamp.get("identity"));
        } catch (IOException | RuntimeException e) {
            return false; // unreadable or odd: hash it again
        }
    }

    /** Records that the disk hashed to the checksum, unless it changed too close to or during the hash. */
    void recordIfUntouched(Path dir, Path disk, String checksum) throws IOException {
        Path f = dir.resolve(FILE);
        if (!changedAt.plus(RACY).isBefore(takenAt) || !before(disk).identity.equals(identity)) {
            Files.deleteIfExists(f);
            return;
        }
        AtomicFiles.write(f, "sha256=" + checksum + "\nidentity=" + identity + "\nhashed_at=" + takenAt + "\n");
    }

    private static long nanos(FileTime t) {
        Instant i = t.toInstant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
