using Akka.Actor;
using Akka.TestKit;

namespace Mailbox.TestKit;

/// <summary>
/// One loop spawned by a <see cref="LoopTestKit"/>: the observer the kit puts in its options (it records the loop's
/// faults in the kit's <see cref="FaultLog"/>, keeps its events for <see cref="LoopTestKit.EventsOf"/> and passes every
/// event on to the test's own observer), and what the kit knows of the loop.
/// </summary>
/// <remarks>Events arrive on the loop's thread; the test reads from its own, so the event list is kept under a lock.</remarks>
internal sealed class LoopUnderTest(LoopTestKit kit, TimeProvider time, IObserver<LoopEvent>? inner) : IObserver<LoopEvent>
{
    /// <summary>Guards <see cref="_events"/> and <see cref="_probe"/>.</summary>
    private readonly Lock _lock = new();

    /// <summary>Events seen before a probe asked for them (replayed to it); null once the probe exists.</summary>
    private List<LoopEvent>? _events = [];

    /// <summary>The probe of <see cref="LoopTestKit.EventsOf"/>; null until asked for.</summary>
    private TestProbe? _probe;

    /// <summary>The loop; set right after the spawn (its first events may come before).</summary>
    private LoopActor? _loop;

    /// <summary>The loop; throws if asked before the spawn returned.</summary>
    public LoopActor Loop => _loop ?? throw new InvalidOperationException("the loop is still being spawned");

    /// <summary>The loop's clock.</summary>
    public TimeProvider Time => time;

    /// <summary>Whether the loop runs on the kit's <see cref="LoopTestKit.Clock"/>, so that advancing it drives the loop's timers.</summary>
    public bool IsOnKitClock => ReferenceEquals(time, kit.Clock);

    /// <summary>Whether this is <paramref name="loop"/> (false while still being spawned).</summary>
    public bool Is(LoopActor loop) => ReferenceEquals(_loop, loop);

    /// <summary>Sets the loop once spawned.</summary>
    public void Attach(LoopActor loop) => _loop = loop;

    /// <summary>The probe that receives this loop's events: made on first use, told every event seen so far, then each new one.</summary>
    public TestProbe Probe(Func<TestProbe> create)
    {
        lock (_lock)
        {
            if (_probe is null)
            {
                _probe = create();
                foreach (var seen in _events!)
                {
                    _probe.Tell(seen);
                }

                _events = null;
            }

            return _probe;
        }
    }

    /// <inheritdoc/>
    public void OnNext(LoopEvent value)
    {
        switch (value)
        {
            case CallbackFaulted faulted:
                kit.Faults.Add(new RecordedFault(this, value, faulted.Exception));
                break;
            case UnobservedCoroutineFault unobserved:
                kit.Faults.Add(new RecordedFault(this, value, unobserved.Exception));
                break;
        }

        lock (_lock)
        {
            if (_probe is { } probe)
            {
                probe.Tell(value);
            }
            else
            {
                _events!.Add(value);
            }
        }

        inner?.OnNext(value);
    }

    /// <inheritdoc/>
    public void OnError(Exception error) => inner?.OnError(error);

    /// <inheritdoc/>
    public void OnCompleted() => inner?.OnCompleted();

    /// <inheritdoc/>
    public override string ToString() => _loop is { } loop ? $"loop '{loop.Name}' ({loop.State})" : "a loop being spawned";
}
