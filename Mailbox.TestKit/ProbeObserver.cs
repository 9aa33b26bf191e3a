using Akka.Actor;
using Akka.TestKit;

namespace Mailbox.TestKit;

/// <summary>
/// Forwards a loop's <see cref="LoopEvent"/>s to an Akka.TestKit <see cref="TestProbe"/>, so a test asserts on them with
/// <c>ExpectMsgAsync&lt;CallbackFaulted&gt;</c>, <see cref="LoopEventProbeExtensions.ExpectEventAsync{TEvent}"/> or
/// <c>ExpectNoMsgAsync</c>. Pass it as <see cref="LoopOptions.Observer"/>; <see cref="LoopTestKit.EventsOf"/> gives a
/// loop under test such a probe without it.
/// </summary>
/// <param name="probe">Receives the events (and <see cref="Completed"/>, and any error).</param>
/// <param name="filter">Which events to forward; every one when null.</param>
public sealed class ProbeObserver(TestProbe probe, Func<LoopEvent, bool>? filter = null) : IObserver<LoopEvent>
{
    /// <summary>What the probe receives when the loop completes the observer (after its <see cref="LoopStopped"/>).</summary>
    public const string Completed = "observer completed";

    /// <summary>Tells the probe <see cref="Completed"/>.</summary>
    public void OnCompleted() => probe.Tell(Completed);

    /// <summary>Tells the probe the error.</summary>
    /// <param name="error">The error the loop reported.</param>
    public void OnError(Exception error) => probe.Tell(error);

    /// <summary>Tells the probe the event, if the filter lets it through.</summary>
    /// <param name="value">The loop's event.</param>
    public void OnNext(LoopEvent value)
    {
        if (filter is null || filter(value))
        {
            probe.Tell(value);
        }
    }
}
