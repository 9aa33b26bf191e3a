using System.Diagnostics.Metrics;

namespace Mailbox;

/// <summary>
/// The names of Mailbox's <see cref="System.Diagnostics.Metrics"/> instruments. One <see cref="Meter"/> named
/// <see cref="MeterName"/>; every measurement carries the loop's name under <see cref="LoopNameTag"/>.
/// </summary>
/// <remarks>
/// Counts and gauges are observable (pulled when a listener collects), read from counters the loop keeps anyway, so they
/// cost the hot path nothing. The callback-duration histogram times each piece of work only while a listener is enabled
/// on it. Loops appear in the observable instruments from <see cref="LoopActor.Spawn"/> until their thread is done.
/// </remarks>
public static class LoopMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Mailbox";

    /// <summary>The tag that carries the loop's name.</summary>
    public const string LoopNameTag = "mailbox.loop.name";

    /// <summary>Observable counter: accepted messages the loop ran.</summary>
    public const string MessagesExecuted = "mailbox.loop.messages.executed";

    /// <summary>Observable counter: sends refused (stopping, or a full bounded mailbox).</summary>
    public const string MessagesRefused = "mailbox.loop.messages.refused";

    /// <summary>
    /// Observable counter: turns the loop's thread gave the loop (one is a batch of at most the turn budget). Its rate
    /// against <see cref="MessagesExecuted"/> is the mean batch a turn ran: near 1 when every message wakes the loop anew.
    /// </summary>
    public const string Turns = "mailbox.loop.turns";

    /// <summary>Observable gauge: accepted messages waiting in the mailbox.</summary>
    public const string MailboxDepth = "mailbox.loop.mailbox.depth";

    /// <summary>Observable gauge: pending timers, delays included (as of the loop's last turn).</summary>
    public const string PendingTimers = "mailbox.loop.timers.pending";

    /// <summary>Histogram, seconds: how long each callback, coroutine step or timer ran.</summary>
    public const string CallbackDuration = "mailbox.loop.callback.duration";

    /// <summary>Counter: faults of fire-and-forget callbacks and timers (and of the fault policy itself).</summary>
    public const string Faults = "mailbox.loop.faults";

    /// <summary>The meter every instrument belongs to.</summary>
    private static readonly Meter s_meter = new(MeterName, typeof(LoopMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Guards <see cref="s_loops"/>.</summary>
    private static readonly Lock s_sync = new();

    /// <summary>Loops whose thread has not finished, for the observable instruments.</summary>
    private static readonly HashSet<LoopActor> s_loops = [];

    /// <summary>The callback-duration histogram.</summary>
    internal static readonly Histogram<double> Durations = s_meter.CreateHistogram<double>(CallbackDuration, "s", "How long a callback, coroutine step or timer ran on the loop thread.");

    /// <summary>The fault counter.</summary>
    internal static readonly Counter<long> FaultCount = s_meter.CreateCounter<long>(Faults, "{fault}", "Faults of fire-and-forget callbacks, timers and the fault policy.");

    static LoopMetrics()
    {
        s_meter.CreateObservableCounter(MessagesExecuted, () => Observe(loop => loop.ExecutedForMetrics), "{message}", "Accepted messages the loop ran.");
        s_meter.CreateObservableCounter(MessagesRefused, () => Observe(loop => loop.RefusedMessages), "{message}", "Sends the loop refused.");
        s_meter.CreateObservableCounter(Turns, () => Observe(loop => loop.TurnsForMetrics), "{turn}", "Turns the loop's thread gave the loop; messages executed over turns is the mean batch a turn ran.");
        s_meter.CreateObservableGauge(MailboxDepth, () => Observe(loop => loop.DepthForMetrics), "{message}", "Accepted messages waiting in the mailbox.");
        s_meter.CreateObservableGauge(PendingTimers, () => Observe(loop => (long)loop.PendingTimersForMetrics), "{timer}", "Pending timers, delays included.");
    }

    /// <summary>Makes a loop visible to the observable instruments.</summary>
    internal static void Register(LoopActor loop)
    {
        lock (s_sync)
        {
            s_loops.Add(loop);
        }
    }

    /// <summary>Removes a finished loop.</summary>
    internal static void Unregister(LoopActor loop)
    {
        lock (s_sync)
        {
            s_loops.Remove(loop);
        }
    }

    /// <summary>The loop-name tag for a measurement.</summary>
    internal static KeyValuePair<string, object?> Tag(LoopActor loop) => new(LoopNameTag, loop.Name);

    private static List<Measurement<long>> Observe(Func<LoopActor, long> read)
    {
        lock (s_sync)
        {
            var measurements = new List<Measurement<long>>(s_loops.Count);
            foreach (var loop in s_loops)
            {
                measurements.Add(new Measurement<long>(read(loop), Tag(loop)));
            }

            return measurements;
        }
    }
}
