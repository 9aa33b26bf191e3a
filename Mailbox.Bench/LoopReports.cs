namespace Mailbox.Bench;

/// <summary>
/// The check every Mailbox benchmark makes at cleanup: a number is only published for work that was really done, so the
/// loop is stopped with Drain and its report must account for every message the benchmark sent.
/// </summary>
public static class LoopReports
{
    /// <summary>Stops <paramref name="loop"/> with Drain and checks that it ran exactly <paramref name="sent"/> messages and discarded none.</summary>
    /// <param name="loop">The loop the benchmark fed.</param>
    /// <param name="sent">How many messages the benchmark sent it.</param>
    /// <param name="what">What the messages were, for the error message.</param>
    /// <exception cref="InvalidOperationException">The report disagrees with what was sent.</exception>
    public static void StopAndVerify(LoopActor loop, long sent, string what)
    {
        StopReport report = loop.StopAsync().GetAwaiter().GetResult();
        Verify(loop, report, sent, what);
    }

    /// <summary>
    /// Stops every loop of <paramref name="loops"/> with Drain, all stops in flight at once (a stop waited for one loop
    /// after the other would cost a cross-thread round trip each), and checks that each ran exactly
    /// <paramref name="sentEach"/> messages and discarded none.
    /// </summary>
    /// <param name="loops">The loops the benchmark fed, each the same messages.</param>
    /// <param name="sentEach">How many messages the benchmark sent each loop.</param>
    /// <param name="what">What the messages were, for the error message.</param>
    /// <exception cref="InvalidOperationException">A report disagrees with what was sent.</exception>
    public static void StopAllAndVerify(IReadOnlyList<LoopActor> loops, long sentEach, string what)
    {
        ArgumentNullException.ThrowIfNull(loops);
        var stops = new Task<StopReport>[loops.Count];
        for (int i = 0; i < stops.Length; i++)
        {
            stops[i] = loops[i].StopAsync();
        }

        for (int i = 0; i < stops.Length; i++)
        {
            Verify(loops[i], stops[i].GetAwaiter().GetResult(), sentEach, what);
        }
    }

    /// <summary>Stops <paramref name="group"/> with Drain and checks its report with <see cref="Verify(LoopGroup, LoopGroupReport, int, long, string)"/>.</summary>
    /// <param name="group">The group whose loops the benchmark fed.</param>
    /// <param name="loops">How many loops the benchmark spawned in it over its life.</param>
    /// <param name="sent">How many messages the benchmark sent its loops, all loops together.</param>
    /// <param name="what">What the messages were, for the error message.</param>
    /// <exception cref="InvalidOperationException">The report disagrees with what was spawned and sent.</exception>
    public static void StopAndVerify(LoopGroup group, int loops, long sent, string what)
    {
        ArgumentNullException.ThrowIfNull(group);
        Verify(group, group.StopAsync().GetAwaiter().GetResult(), loops, sent, what);
    }

    /// <summary>
    /// Checks a Drain stop's <see cref="LoopGroupReport"/>: the group held exactly <paramref name="loops"/> loops, they
    /// ran exactly <paramref name="sent"/> messages (Executed + Discarded = every accepted message, and a Drain stop
    /// discards none), and no stop timed out.
    /// </summary>
    /// <param name="group">The group, for the error message.</param>
    /// <param name="report">The report of the group's stop.</param>
    /// <param name="loops">How many loops the benchmark spawned in it over its life.</param>
    /// <param name="sent">How many messages the benchmark sent its loops, all loops together.</param>
    /// <param name="what">What the messages were, for the error message.</param>
    /// <exception cref="InvalidOperationException">The report disagrees with what was spawned and sent.</exception>
    public static void Verify(LoopGroup group, LoopGroupReport report, int loops, long sent, string what)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(report);
        if (report.Loops != loops || report.Executed != sent || report.Discarded != 0 || report.TimedOut)
        {
            throw new InvalidOperationException(
                $"Group '{group.Name}' held {report.Loops} of {loops} loops, ran {report.Executed} and discarded {report.Discarded} of {sent} {what}{(report.TimedOut ? ", and a stop timed out" : "")}.");
        }
    }

    /// <summary>Checks one loop's Drain report against what it was sent.</summary>
    private static void Verify(LoopActor loop, StopReport report, long sent, string what)
    {
        if (report.Executed != sent || report.Discarded != 0)
        {
            throw new InvalidOperationException($"Loop '{loop.Name}' ran {report.Executed} and discarded {report.Discarded} of {sent} {what}.");
        }
    }
}
