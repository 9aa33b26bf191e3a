using Akka.TestKit;

namespace Mailbox.TestKit;

// Probes over loop events: the kit's observer on each loop under test keeps the loop's events until a test asks for
// them, then replays them to the probe and forwards every later one, so nothing the loop raised early (LoopStarted, a
// fault in its first callback) is lost to a probe made after the spawn.
public abstract partial class LoopTestKit
{
    /// <summary>
    /// A probe that receives every <see cref="LoopEvent"/> of a loop under test — those it raised before this call first,
    /// in order, then each new one. The same probe at every call for one loop. (The observer's completion is not
    /// forwarded: a test that waits for it passes a <see cref="ProbeObserver"/> of its own, which tells <see cref="ProbeObserver.Completed"/>.)
    /// </summary>
    /// <param name="loop">A loop spawned by <see cref="Spawn"/>.</param>
    /// <returns>The probe; assert with <see cref="LoopEventProbeExtensions.ExpectEventAsync{TEvent}"/> or Akka's expectations.</returns>
    /// <exception cref="ArgumentException"><paramref name="loop"/> is not a loop under test of this kit.</exception>
    protected TestProbe EventsOf(LoopActor loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        var watched = Array.Find(LoopsUnderTest(), l => l.Is(loop))
            ?? throw new ArgumentException($"loop '{loop.Name}' was not spawned by this kit's Spawn", nameof(loop));
        return watched.Probe(() => CreateTestProbe());
    }
}
