/**
 * Tiny MBPP, HumanEval, MATH and MATH500 files in the real formats, written by the tests that use
 * them: a handful of problems each, with reference solutions that pass their tests.
 *
 * - MBPP: the full release's JSONL (`text`, `code`, `task_id`, `test_setup_code`, `test_list`,
 *   `challenge_test_list`), Windows line ends in `code` as in the release.
 * - HumanEval: `HumanEval.jsonl` rows (`task_id`, `prompt`, `canonical_solution`, `test` defining
 *   `check(candidate)` after a `METADATA` dict, `entry_point`).
 * - MATH: a directory `train/<subject>/<n>.json` of one-problem files (`problem`, `level`
 *   "Level N", `type`, `solution` with a `\boxed{}` answer).
 * - MATH500: `test.jsonl` rows (`problem`, `solution`, `answer`, `subject`, `level`, `unique_id`).
 */

/** MBPP rows (full format). */
export const MBPP_ROWS = [
  {
    text: "Write a function to find the shared elements from the given two lists.",
    code: "def similar_elements(test_tup1, test_tup2):\r\n  res = tuple(set(test_tup1) & " +
      "set(test_tup2))\r\n  return (res) ",
    task_id: 2,
    test_setup_code: "",
    test_list: [
      "assert set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))",
      "assert set(similar_elements((1, 2, 3, 4),(5, 4, 3, 7))) == set((3, 4))",
      "assert set(similar_elements((11, 12, 14, 13),(17, 15, 14, 13))) == set((13, 14))",
    ],
    challenge_test_list: [],
  },
  {
    text: "Write a python function to identify non-prime numbers.",
    code: "import math\r\ndef is_not_prime(n):\r\n    result = False\r\n    for i in " +
      "range(2,int(math.sqrt(n)) + 1):\r\n        if n % i == 0:\r\n            result = True" +
      "\r\n    return result",
    task_id: 3,
    test_setup_code: "",
    test_list: [
      "assert is_not_prime(2) == False",
      "assert is_not_prime(10) == True",
      "assert is_not_prime(35) == True",
    ],
    challenge_test_list: [],
  },
  {
    text: "Write a function to find the n largest integers from a given list of numbers, " +
      "returned in descending order.",
    code: "import heapq as hq\r\ndef heap_queue_largest(nums,n):\r\n  largest_nums = " +
      "hq.nlargest(n, nums)\r\n  return largest_nums",
    task_id: 4,
    test_setup_code: "",
    test_list: [
      "assert heap_queue_largest( [25, 35, 22, 85, 14, 65, 75, 22, 58],3)==[85, 75, 65]",
      "assert heap_queue_largest( [25, 35, 22, 85, 14, 65, 75, 22, 58],2)==[85, 75]",
    ],
    challenge_test_list: [],
  },
  {
    text: "Write a function to add two numbers.",
    code: "def add_nums(a, b):\r\n  return a + b",
    task_id: 5,
    test_setup_code: "import math",
    test_list: ["assert add_nums(1, 2) == 3", "assert add_nums(math.floor(2.5), 2) == 4"],
    challenge_test_list: [],
  },
];

/** HumanEval rows. */
export const HUMANEVAL_ROWS = [
  {
    task_id: "HumanEval/0",
    prompt: "from typing import List\n\n\ndef has_close_elements(numbers: List[float], " +
      "threshold: float) -> bool:\n" +
      '    """ Check if in given list of numbers, are any two numbers closer to each other ' +
      "than\n    given threshold.\n    >>> has_close_elements([1.0, 2.0, 3.0], 0.5)\n    False\n" +
      '    >>> has_close_elements([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3)\n    True\n    """\n',
    canonical_solution: "    for idx, elem in enumerate(numbers):\n" +
      "        for idx2, elem2 in enumerate(numbers):\n            if idx != idx2:\n" +
      "                distance = abs(elem - elem2)\n                if distance < threshold:\n" +
      "                    return True\n\n    return False\n",
    test: "\n\nMETADATA = {\n    'author': 'jt',\n    'dataset': 'test'\n}\n\n\n" +
      "def check(candidate):\n" +
      "    assert candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3) == True\n" +
      "    assert candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.05) == False\n" +
      "    assert candidate([1.0, 2.0, 5.9, 4.0, 5.0], 0.95) == True\n" +
      "    assert candidate([1.1, 2.2, 3.1, 4.1, 5.1], 1.0) == True\n",
    entry_point: "has_close_elements",
  },
  {
    task_id: "HumanEval/2",
    prompt: "\n\ndef truncate_number(number: float) -> float:\n" +
      '    """ Given a positive floating point number, return its decimal part.\n' +
      '    >>> truncate_number(3.5)\n    0.5\n    """\n',
    canonical_solution: "    return number % 1.0\n",
    test: "\n\nMETADATA = {\n    'author': 'jt',\n    'dataset': 'test'\n}\n\n\n" +
      "def check(candidate):\n    assert candidate(3.5) == 0.5\n" +
      "    assert abs(candidate(1.33) - 0.33) < 1e-6\n" +
      "    assert abs(candidate(123.456) - 0.456) < 1e-6\n",
    entry_point: "truncate_number",
  },
  {
    task_id: "HumanEval/4",
    prompt: "\n\ndef add(x: int, y: int) -> int:\n" +
      '    """Add two numbers x and y\n    >>> add(2, 3)\n    5\n    """\n',
    canonical_solution: "    return x + y\n",
    test: "\n\nMETADATA = {}\n\n\ndef check(candidate):\n" +
      "    assert candidate(0, 1) == 1\n    assert candidate(2, 3) == 5\n" +
      "    assert candidate(7, 5) == 12\n",
    entry_point: "add",
  },
  {
    task_id: "HumanEval/5",
    prompt: "\n\ndef double(x: int) -> int:\n" +
      '    """Return twice x\n    >>> double(2)\n    4\n    """\n',
    canonical_solution: "    return 2 * x\n",
    test: "\n\nMETADATA = {}\n\n\ndef check(candidate):\n" +
      "    assert candidate(0) == 0\n    assert candidate(2) == 4\n    assert candidate(-3) == -6\n",
    entry_point: "double",
  },
];

/** MATH train problems, one file each: subject directory → rows. */
export const MATH_TRAIN: Record<string, { problem: string; level: string; solution: string }[]> = {
  algebra: [
    {
      problem: "What is the value of $x$ if $2x + 3 = 11$?",
      level: "Level 1",
      solution: "Subtract 3: $2x = 8$, so $x = \\boxed{4}$.",
    },
    {
      problem: "Simplify $\\frac{6}{8}$.",
      level: "Level 2",
      solution: "Divide by 2: $\\frac{6}{8} = \\boxed{\\frac{3}{4}}$.",
    },
  ],
  number_theory: [
    {
      problem: "What is the remainder when 17 is divided by 5?",
      level: "Level 1",
      solution: "$17 = 3 \\cdot 5 + 2$, so the remainder is $\\boxed{2}$.",
    },
  ],
};

/** MATH500 rows. */
export const MATH500_ROWS = [
  {
    problem: "Compute $3 \\cdot 4 + 1$.",
    solution: "$3 \\cdot 4 = 12$ and $12 + 1 = 13$, so the answer is $\\boxed{13}$.",
    answer: "13",
    subject: "Prealgebra",
    level: 1,
    unique_id: "test/prealgebra/1.json",
  },
  {
    problem: "What is $\\frac{1}{2} + \\frac{1}{4}$?",
    solution: "$\\frac{2}{4} + \\frac{1}{4} = \\boxed{\\frac{3}{4}}$.",
    answer: "\\frac{3}{4}",
    subject: "Algebra",
    level: 2,
    unique_id: "test/algebra/7.json",
  },
  {
    problem: "Solve for $y$: $y - 5 = -2$.",
    solution: "$y = -2 + 5 = \\boxed{3}$.",
    answer: "3",
    subject: "Algebra",
    level: 1,
    unique_id: "test/algebra/9.json",
  },
];

/** JSON lines of `rows`. */
export const jsonl = (rows: readonly unknown[]): string =>
  rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

/** Paths of the fixture files written by {@link writePublicFixtures}. */
export interface PublicFixtures {
  dir: string;
  mbpp: string;
  humaneval: string;
  mathTrain: string;
  math500: string;
}

/** Writes every fixture under `dir` (created if needed). */
export async function writePublicFixtures(dir: string): Promise<PublicFixtures> {
  await Deno.mkdir(dir, { recursive: true });
  const f: PublicFixtures = {
    dir,
    mbpp: `${dir}/mbpp.jsonl`,
    humaneval: `${dir}/HumanEval.jsonl`,
    mathTrain: `${dir}/MATH/train`,
    math500: `${dir}/math500.jsonl`,
  };
  await Deno.writeTextFile(f.mbpp, jsonl(MBPP_ROWS));
  await Deno.writeTextFile(f.humaneval, jsonl(HUMANEVAL_ROWS));
  await Deno.writeTextFile(f.math500, jsonl(MATH500_ROWS));
  for (const [subject, rows] of Object.entries(MATH_TRAIN)) {
    await Deno.mkdir(`${f.mathTrain}/${subject}`, { recursive: true });
    for (const [i, r] of rows.entries()) {
      const type = subject === "algebra" ? "Algebra" : "Number Theory";
      await Deno.writeTextFile(
        `${f.mathTrain}/${subject}/${i + 1}.json`,
        JSON.stringify({ ...r, type }, null, 4),
      );
    }
  }
  return f;
}
