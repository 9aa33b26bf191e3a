using Mailbox;

namespace TestingYourLoops;

/// <summary>
/// A reminders service owned by one loop: its state (the reminders waiting, by text) is touched only by the loop's
/// thread. Other threads schedule and cancel through the loop's bounded mailbox; each reminder is a <c>CallLater</c>
/// timer; a <c>CallEvery</c> timer sends a digest; delivery is a coroutine that retries with <c>LoopActor.Delay</c>.
/// </summary>
public sealed class Reminders
{
    /// <summary>Delivery attempts per reminder before it is dropped.</summary>
    public const int Attempts = 3;

    /// <summary>The wait before the second attempt; doubled before each next one.</summary>
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(10);

    private readonly LoopActor _loop;
    private readonly IReminderSink _sink;
    private readonly Dictionary<string, TimerHandle> _waiting = []; // loop thread only

    /// <summary>The service on <paramref name="loop"/>, which should be spawned with <see cref="LoopOptionsFor"/>.</summary>
    public Reminders(LoopActor loop, IReminderSink sink)
    {
        _loop = loop;
        _sink = sink;
    }

    /// <summary>
    /// Options for the service's loop: a bounded mailbox that refuses rather than waits, so a burst of schedules fails
    /// fast at the caller (<see cref="TrySchedule"/> false) instead of piling up.
    /// </summary>
    public static LoopOptions LoopOptionsFor(int capacity) => new() { MailboxCapacity = capacity, FullMode = MailboxFullMode.Reject };

    /// <summary>From any thread: schedules <paramref name="text"/> in <paramref name="after"/>; false when the mailbox is full.</summary>
    public bool TrySchedule(string text, TimeSpan after) =>
        _loop.TryPost(() =>
        {
            _waiting.Remove(text, out var earlier);
            earlier?.Cancel();
            _waiting[text] = _loop.CallLater(after, () => _ = DeliverAsync(text));
        });

    /// <summary>From any thread: cancels <paramref name="text"/>, if it still waits.</summary>
    public void Cancel(string text) =>
        _loop.Post(() =>
        {
            if (_waiting.Remove(text, out var handle))
            {
                handle.Cancel();
            }
        });

    /// <summary>From any thread: starts the digest, every <paramref name="period"/> from now.</summary>
    public void StartDigest(TimeSpan period) => _loop.CallEvery(period, () => _sink.Digest(_waiting.Count));

    /// <summary>From any thread: how many reminders wait (asked of the loop).</summary>
    public Task<int> PendingAsync() => _loop.RunAsync(() => Task.FromResult(_waiting.Count));

    /// <summary>On the loop: tries the sink, waiting longer after each refusal; the reminder stops waiting when delivered or given up.</summary>
    private async Task DeliverAsync(string text)
    {
        var wait = FirstRetryDelay;
        for (int attempt = 1; attempt <= Attempts; attempt++)
        {
            if (_sink.TryDeliver(text))
            {
                break;
            }

            if (attempt < Attempts)
            {
                await LoopActor.Delay(wait); // on the loop's clock: a FakeTimeProvider in the tests
                wait *= 2;
            }
        }

        _waiting.Remove(text);
    }
}
