using Akka.TestKit;

namespace Mailbox.Tests.Support;

/// <summary>
/// Forwards a loop's <see cref="LoopEvent"/>s to an Akka.TestKit <see cref="TestProbe"/>, so tests assert on them with
/// <c>ExpectMsgAsync&lt;CallbackFaulted&gt;</c> / <c>ExpectNoMsgAsync</c>. <see cref="OnCompleted"/> arrives as <see cref="Completed"/>.
/// </summary>
public sealed class ProbeObserver(TestProbe probe, Func<LoopEvent, bool>? filter = null) : IObserver<LoopEvent>
{
    /// <summary>What the probe receives when the loop completes the observer.</summary>
    public const string Completed = "observer completed";

    public void OnCompleted() => probe.Tell(Completed);

    public void OnError(Exception error) => probe.Tell(error);

    public void OnNext(LoopEvent value)
    {
        if (filter is null || filter(value))
        {
            probe.Tell(value);
        }
    }
}
