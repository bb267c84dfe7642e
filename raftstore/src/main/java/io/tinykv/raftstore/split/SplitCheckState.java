package io.tinykv.raftstore.split;

/**
 * One peer's record of its region's split checks, which decides on each split-check tick whether
 * the region is measured again ({@link SplitChecker}). Owned by the peer's Raft thread.
 *
 * <p>A region is measured when it may have changed since its last check: it applied something
 * (its applied index moved), its epoch version moved (a split), or the peer leads in a new term
 * (a leader that takes over checks its region once, as TiKV's {@code on_role_changed} does; the
 * last leader's check may have found the region too big and its split died with its leadership).
 * An idle region under the thresholds is never measured again, so a store of many idle regions
 * spends nothing on them.
 *
 * <p>A region whose last check found it beyond the thresholds is measured on every tick, whether or
 * not it applies anything, until its epoch version moves or a check finds it within them: the split
 * that check asked for goes through several steps that can each be lost (the scheduler's answer to
 * AskBatchSplit, the BatchSplit proposal, an epoch that moved under it), and once writes stop nothing
 * else would ever ask again. A retry costs a scan and an id allocation; a second split proposed while
 * the first is still on its way is refused at apply by the epoch check, so a retry never splits twice.
 */
public final class SplitCheckState {

    private static final long NONE = -1;

    /** What the last check was asked at: the leader's term, its applied index and the epoch version. */
    private long askedTerm = NONE;

    private long askedAppliedIndex = NONE;
    private long askedVersion = NONE;
    /** The epoch version at which the last finished check found the region too big; NONE if it did not. */
    private long tooBigAtVersion = NONE;
    /** The applied index and version of the check whose result was taken last (results may come out of order). */
    private long resultAppliedIndex = NONE;

    private long resultVersion = NONE;

    /** Whether a leader in {@code term} at {@code appliedIndex} and epoch {@code version} measures its region. */
    boolean shouldCheck(long term, long appliedIndex, long version) {
        return term != askedTerm
                || version != askedVersion
                || appliedIndex != askedAppliedIndex
                || tooBigAtVersion == version;
    }

    /** A check was asked at these figures. */
    void onAsked(long term, long appliedIndex, long version) {
        askedTerm = term;
        askedAppliedIndex = appliedIndex;
        askedVersion = version;
    }

    /**
     * The check asked at {@code appliedIndex} and {@code version} found the region too big (or not).
     * A result older than one already taken says nothing new and is ignored.
     */
    void onChecked(long appliedIndex, long version, boolean tooBig) {
        if (version < resultVersion || (version == resultVersion && appliedIndex < resultAppliedIndex)) {
            return;
        }
        resultAppliedIndex = appliedIndex;
        resultVersion = version;
        tooBigAtVersion = tooBig ? version : NONE;
    }

    /** The check could not measure the region (a read failed): the next tick asks again. */
    void onAbandoned() {
        askedTerm = NONE;
    }

    /** Whether the last finished check found the region too big at epoch {@code version}. */
    boolean wantsSplitAt(long version) {
        return tooBigAtVersion == version;
    }
}
