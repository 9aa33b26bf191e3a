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
        if (report.Executed != sent || report.Discarded != 0)
        {
            throw new InvalidOperationException($"Loop '{loop.Name}' ran {report.Executed} and discarded {report.Discarded} of {sent} {what}.");
        }
    }
}
