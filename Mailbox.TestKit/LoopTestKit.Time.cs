using System.Diagnostics;
using System.Globalization;
using Xunit.Sdk;

namespace Mailbox.TestKit;

// Virtual time that settles.
//
// Settling. A loop is idle when it has nothing to run now: no queued message, no ready coroutine step, no timer due on
// its clock (live coroutines waiting on something else do not count). The kit learns that only from the loop itself:
// QueryPendingAsync is a control message, answered by the loop thread at its next turn, after every control message sent
// before it (so a CallLater made by the test before the query is in the answer's timers) and after the turn that was
// running. A turn runs control first, then due timers, then data, so an answer may come while data queued earlier is
// still waiting (control overtakes data) — it then shows QueuedMessages > 0, and the kit asks again, each query giving
// the loop one more turn. Loops under test may feed each other (a callback of one posts to another, sets a timer on it,
// or completes a task that another's coroutine awaits), so one clean answer per loop is not enough: the loops have
// settled after two passes over all of them in a row in which every answer is idle and each loop answered the same
// both times (a timer set on it from elsewhere changes its answer), with no message accepted by any of them since the
// first of the two began (a post from one to another changes the count even if the other has already run it). What no
// public counter shows is a coroutine step handed across loops by a completed task: it is seen when a query finds it
// ready, which two passes make likely, not certain. Bounded by rounds and by SettlePatience of wall time, failing with
// each loop's last answer.
//
// Advancing. FakeTimeProvider runs the callbacks of its due timers synchronously inside SetUtcNow; a loop's callback
// only sends the loop (or its group thread) a wake-up, and a loop that armed its provider timer while the clock moved
// re-checks the clock after arming (DESIGN.md, "virtual time"), so once SetUtcNow has returned every due loop timer will
// fire at that loop's next turn — which the settling queries give it. The kit does not jump: it moves the clock to the
// earliest due timer of the loops on Clock, settles, and repeats up to the target, so each callback sees the time it
// was due at and timers set by callbacks during the advance fire too, in order.
public abstract partial class LoopTestKit
{
    /// <summary>Most query passes one settling makes before it gives up (the wall-clock bound is <see cref="SettlePatience"/>).</summary>
    private const int MaxSettleRounds = 100_000;

    /// <summary>Most clock moves one advance makes: a 1 ms CallEvery under a one-hour advance is a mistake, not a test.</summary>
    private const int MaxAdvanceSteps = 10_000;

    /// <summary>The shortest wait for one query's answer, however little of the settling's patience is left.</summary>
    private static readonly TimeSpan MinQueryWait = TimeSpan.FromMilliseconds(100);

    /// <summary>How long one settling may take, in wall time, before it fails: <see cref="Patience"/> unless a class says otherwise.</summary>
    protected virtual TimeSpan SettlePatience => Patience;

    /// <summary>
    /// Advances <see cref="Clock"/> by <paramref name="by"/> and returns once every timer of the loops under test due by
    /// then has fired, at its own due time, and the loops have run everything those firings (and the work before them)
    /// queued. Timers set during the advance and due within it fire too.
    /// </summary>
    /// <param name="by">How far; zero settles the loops at the current time.</param>
    /// <returns>A task that completes when the loops have settled at the new time.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="by"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Called from a loop's thread: a loop cannot wait for itself.</exception>
    /// <exception cref="XunitException">A loop did not settle within <see cref="SettlePatience"/>, or the timers kept firing past the step bound.</exception>
    protected async Task AdvanceAsync(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        ThrowIfOnLoopThread(nameof(AdvanceAsync));
        var target = Clock.GetUtcNow() + by;
        string doing = $"{nameof(AdvanceAsync)}({by})";
        var answers = await SettleAsync(doing).ConfigureAwait(false);
        for (int step = 0; EarliestDue(answers) is { } due && due <= target; step++)
        {
            if (step == MaxAdvanceSteps)
            {
                throw new XunitException($"{doing}: timers still firing after {MaxAdvanceSteps} steps, at {Clock.GetUtcNow():O}; {Describe(answers)}");
            }

            Clock.SetUtcNow(due);
            answers = await SettleAsync(doing).ConfigureAwait(false);
        }

        if (target > Clock.GetUtcNow())
        {
            Clock.SetUtcNow(target);
            await SettleAsync(doing).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Returns once every loop under test is idle: nothing queued, no ready coroutine step, no timer due, at the current
    /// time (the clock does not move).
    /// </summary>
    /// <returns>A task that completes when the loops have settled.</returns>
    /// <exception cref="InvalidOperationException">Called from a loop's thread.</exception>
    /// <exception cref="XunitException">A loop did not settle within <see cref="SettlePatience"/> (it keeps feeding itself, or is held).</exception>
    protected async Task RunUntilIdleAsync()
    {
        ThrowIfOnLoopThread(nameof(RunUntilIdleAsync));
        await SettleAsync(nameof(RunUntilIdleAsync)).ConfigureAwait(false);
    }

    /// <summary>
    /// Advances <see cref="Clock"/> from due timer to due timer, settling at each, until no loop under test on it has a
    /// timer left (Kotlin's <c>advanceUntilIdle</c>, Trio's autojump clock), and fails if one is still pending beyond
    /// <paramref name="limit"/> — a repeating timer never ends, so the bound is what makes this a test.
    /// </summary>
    /// <param name="limit">How far the clock may go.</param>
    /// <returns>How far the clock went.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Called from a loop's thread.</exception>
    /// <exception cref="XunitException">A timer is still pending beyond the limit, or a loop did not settle.</exception>
    protected async Task<TimeSpan> AdvanceUntilNoTimersAsync(TimeSpan limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, TimeSpan.Zero);
        ThrowIfOnLoopThread(nameof(AdvanceUntilNoTimersAsync));
        var start = Clock.GetUtcNow();
        string doing = $"{nameof(AdvanceUntilNoTimersAsync)}({limit})";
        var answers = await SettleAsync(doing).ConfigureAwait(false);
        for (int step = 0; EarliestDue(answers) is { } due; step++)
        {
            if (due > start + limit || step == MaxAdvanceSteps)
            {
                throw new XunitException(
                    $"{doing}: a timer is still pending after {Clock.GetUtcNow() - start} of virtual time (next due at +{due - start}); {Describe(answers)}");
            }

            Clock.SetUtcNow(due);
            answers = await SettleAsync(doing).ConfigureAwait(false);
        }

        return Clock.GetUtcNow() - start;
    }

    /// <summary>Asks the running loops under test until they have settled (see the file's comment); returns their last answers.</summary>
    private async Task<Dictionary<LoopUnderTest, PendingWork>> SettleAsync(string doing)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(SettlePatience.TotalSeconds * Stopwatch.Frequency);
        Dictionary<LoopUnderTest, PendingWork>? previous = null;
        long acceptedAtPreviousPass = long.MinValue;
        for (int round = 1; ; round++)
        {
            var loops = Array.FindAll(LoopsUnderTest(), l => l.Loop.State == LoopState.Running);
            long acceptedAtThisPass = loops.Sum(l => l.Loop.AcceptedMessages);
            var answers = new Dictionary<LoopUnderTest, PendingWork>();
            bool quiet = true;
            foreach (var watched in loops)
            {
                // At least a short wait per query, so that a deadline passing mid-pass reads as "did not settle"
                // (the check below), not as a loop that does not answer.
                var left = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
                if (await AskAsync(watched, left > MinQueryWait ? left : MinQueryWait, doing).ConfigureAwait(false) is not { } answer)
                {
                    continue; // stopped meanwhile: it holds nothing any more
                }

                answers[watched] = answer;
                quiet &= IsIdle(watched, answer) && previous is not null && previous.TryGetValue(watched, out var before) && before == answer;
            }

            if (quiet && loops.Sum(l => l.Loop.AcceptedMessages) == acceptedAtPreviousPass)
            {
                return answers;
            }

            if (round == MaxSettleRounds || Stopwatch.GetTimestamp() > deadline)
            {
                throw new XunitException($"{doing}: the loops under test did not settle ({round} rounds, {SettlePatience}); {Describe(answers)}");
            }

            previous = answers;
            acceptedAtPreviousPass = acceptedAtThisPass;
        }
    }

    /// <summary>One loop's answer, or null if it stopped; fails if it does not answer in time (held by a gate, or stuck).</summary>
    private static async Task<PendingWork?> AskAsync(LoopUnderTest watched, TimeSpan left, string doing)
    {
        var query = watched.Loop.QueryPendingAsync();
        try
        {
            return await query.WaitAsync(left).ConfigureAwait(false);
        }
        catch (LoopStoppedException)
        {
            return null;
        }
        catch (TimeoutException) when (query.IsCompleted)
        {
            return await AskAgainAsync(query).ConfigureAwait(false); // answered just as the wait gave up
        }
        catch (TimeoutException)
        {
            throw new XunitException($"{doing}: {watched} did not answer a query in time (is it held by a gate, or stuck in a callback?)");
        }
    }

    /// <summary>The outcome of a query that completed after all; null if it ended with the loop's stop.</summary>
    private static async Task<PendingWork?> AskAgainAsync(Task<PendingWork> query)
    {
        try
        {
            return await query.ConfigureAwait(false);
        }
        catch (LoopStoppedException)
        {
            return null;
        }
    }

    /// <summary>Whether a loop has nothing to run now: no queued message, no ready step, no timer due on its own clock.</summary>
    private static bool IsIdle(LoopUnderTest watched, PendingWork answer) =>
        answer.QueuedMessages == 0 && answer.ReadySteps == 0 && !IsDue(watched, answer);

    /// <summary>Whether the loop's earliest timer is due on its own clock.</summary>
    private static bool IsDue(LoopUnderTest watched, PendingWork answer) =>
        answer.NextTimerDue is { } due && due <= watched.Time.GetUtcNow();

    /// <summary>The earliest timer among the loops on <see cref="Clock"/>; null when none has one.</summary>
    private static DateTimeOffset? EarliestDue(Dictionary<LoopUnderTest, PendingWork> answers)
    {
        DateTimeOffset? earliest = null;
        foreach (var (watched, answer) in answers)
        {
            if (watched.IsOnKitClock && answer.NextTimerDue is { } due && (earliest is null || due < earliest))
            {
                earliest = due;
            }
        }

        return earliest;
    }

    /// <summary>Each loop with its answer, for a failure message.</summary>
    private static string Describe(Dictionary<LoopUnderTest, PendingWork> answers) =>
        answers.Count == 0
            ? "no loop under test is running"
            : string.Join("; ", answers.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Key}: {a.Value}")));

    /// <summary>Refuses a settling wait from loop code, which would wait for its own loop.</summary>
    private static void ThrowIfOnLoopThread(string method)
    {
        if (LoopActor.Current is { } current)
        {
            throw new InvalidOperationException(
                $"{method} was called from the thread of loop '{current.Name}': it waits until the loops have run their work, and a loop cannot wait for itself. Advance the clock from the test, not from loop code.");
        }
    }
}
