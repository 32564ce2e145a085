// GraphQL Code Generator: the six reception flows' operation documents (operations/*.graphql),
// typed from the committed SDL (schema/frontdesk.graphql), into src/generated/graphql.ts (not
// committed: `npm run codegen` writes it, ./check.sh runs codegen and tsc --strict).
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema/frontdesk.graphql",
  documents: "operations/*.graphql",
  // An operation that does not validate against the SDL fails the run.
  generates: {
    "src/generated/graphql.ts": {
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        // Enums as string-literal unions: a `case` on a code the schema does not publish, or a
        // missing entry of a Record<ComplaintStatus, …>, is a compile error.
        enumType: "string-literal",
        // Every custom scalar is mapped; a new one fails the run instead of becoming `any`.
        strictScalars: true,
        scalars: {
          Date: "string", // ISO date, e.g. 2026-11-24
          DateTime: "string", // ISO 8601 with offset
          Time: "string",
          Decimal: "string", // money and amounts: a decimal string, never a float
          JSON: "unknown",
        },
        useTypeImports: true,
        // Documents as typed strings (TypedDocumentString): POSTed as they are, no graphql-js
        // at run time.
        documentMode: "string",
        nonOptionalTypename: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
      },
    },
  },
};

export default config;
