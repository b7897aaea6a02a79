#include "common/table/label_table.h"

#include <gtest/gtest.h>

#include "common/table/image_match.h"

namespace derm::table {
namespace {

StatusOr<LabelTable> Read(const std::string& text, TableOptions options = {}) {
  auto csv = ParseCsv(text, "t.csv");
  if (!csv.ok()) return csv.status();
  return ReadLabelTable(*csv, "t.csv", options);
}

const char* kHam =
    "lesion_id,image_id,dx,dx_type,age,sex,localization\n"
    "HAM_1,ISIC_1,nv,histo,40,male,back\n"
    "HAM_1,ISIC_2,nv,histo,40,male,back\n"
    "HAM_2,ISIC_3,mel,histo,65,female,face\n"
    "HAM_3,ISIC_4,bkl,consensus,50,female,trunk\n";

TEST(LabelTableTest, DetectsHam10000WithLesionGroupsAndAttributes) {
  auto t = Read(kHam);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->format, "ham10000");
  EXPECT_EQ(t->class_names, (std::vector<std::string>{"bkl", "mel", "nv"}));  // sorted label values
  EXPECT_EQ(t->group_column, "lesion_id");
  EXPECT_EQ(t->attribute_names, (std::vector<std::string>{"sex", "age", "localization"}));
  ASSERT_EQ(t->rows.size(), 4u);
  EXPECT_EQ(t->rows[2].image, "ISIC_3");
  EXPECT_EQ(t->rows[2].label, 1);
  EXPECT_EQ(t->rows[2].group, "HAM_2");
  EXPECT_EQ(t->rows[2].attributes, (std::vector<std::string>{"female", "65", "face"}));
  EXPECT_EQ(t->rows[2].line, 4);
  EXPECT_TRUE(t->warnings.empty());
}

TEST(LabelTableTest, WarnsWhenSharedLesionsAreSplitPerImage) {
  TableOptions o;
  o.group_column = "";
  auto t = Read(kHam, o);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->group_column, "");
  EXPECT_EQ(t->rows[0].group, "");
  ASSERT_EQ(t->warnings.size(), 1u);
  EXPECT_NE(t->warnings[0].find("4 images share 3 lesion_id values"), std::string::npos) << t->warnings[0];
}

TEST(LabelTableTest, ReadsIsicArchiveGroupedByPatient) {
  auto t = Read(
      "isic_id,diagnosis,lesion_id,patient_id,age_approx,sex,anatom_site_general,fitzpatrick_skin_type\n"
      "ISIC_0000001,melanoma,IL_1,IP_1,55,male,head/neck,II\n"
      "ISIC_0000002,nevus,IL_2,IP_1,55,male,lower extremity,II\n"
      "ISIC_0000003,nevus,IL_3,,30,female,,\n");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->format, "isic_archive");
  EXPECT_EQ(t->group_column, "patient_id");
  EXPECT_EQ(t->class_names, (std::vector<std::string>{"melanoma", "nevus"}));
  EXPECT_EQ(t->attribute_names,
            (std::vector<std::string>{"sex", "age_approx", "anatom_site_general", "fitzpatrick_skin_type"}));
  EXPECT_EQ(t->rows[2].group, "");  // no patient id: a group of its own
}

TEST(LabelTableTest, ReadsIsicChallengeOneHotInColumnOrder) {
  auto t = Read("image,MEL,NV,BCC,UNK\nISIC_1,0.0,1.0,0.0,0.0\nISIC_2,1,0,0,0\n");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->format, "isic_challenge");
  EXPECT_EQ(t->class_names, (std::vector<std::string>{"MEL", "NV", "BCC", "UNK"}));
  EXPECT_EQ(t->rows[0].label, 1);
  EXPECT_EQ(t->rows[1].label, 0);
  EXPECT_EQ(t->group_column, "");
}

TEST(LabelTableTest, NamesTheLineAndColumnOfEachProblem) {
  struct Case {
    std::string text;
    TableOptions options;
    std::string expected;
  } cases[] = {
      {"image_id,dx\nA,nv\nB,\n", {}, "t.csv: line 3, column dx: the label is empty"},
      {"image_id,dx\nA,nv\n,nv\n", {}, "t.csv: line 3, column image_id: the image is empty"},
      {"image_id,dx\nA,nv\nA,nv\n",
       {},
       "t.csv: line 3, column image_id: image A is listed twice (first on line 2)"},
      {"image_id,dx\nA,nv\nA,mel\n",
       {},
       "t.csv: line 3, column image_id: image A has two labels, nv (line 2) and mel"},
      {"image,MEL,NV\nA,1,1\n", {}, "t.csv: line 2, column MEL..NV: the row has 2 labels"},
      {"image,MEL,NV\nA,0,0\n", {}, "t.csv: line 2, column MEL..NV: the row has no label"},
      {"image,MEL,NV\nA,0,yes\n",
       {},
       "t.csv: line 2, column NV: a one-hot label must be 0 or 1, got \"yes\""},
      {"name,class\nA,nv\n",
       {},
       "t.csv: not a HAM10000, ISIC Archive or ISIC Challenge table (columns: name, class)"},
  };
  TableOptions grouped;
  grouped.format = "ham10000";
  grouped.group_column = "patient";
  for (const auto& c : cases) {
    auto t = Read(c.text, c.options);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(t.status().message().rfind(c.expected, 0), 0u) << t.status().message();
  }
  auto missing = Read("image_id,dx\nA,nv\n", grouped);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "t.csv: line 1: the header has no column patient (data.group_column; columns: image_id, dx)");
  TableOptions test_table;
  test_table.class_names = {"mel", "nv"};
  auto unknown = Read("image_id,dx\nA,bcc\n", test_table);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            "t.csv: line 2, column dx: label bcc is not one of the training table's classes");
}

TEST(LabelTableTest, BoundsTheClassesATableCanMake) {
  std::string many = "image_id,dx\n";
  for (size_t i = 0; i <= kMaxClasses; ++i) many += "I" + std::to_string(i) + ",c" + std::to_string(i) + "\n";
  auto t = Read(many);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message().rfind("t.csv: line 1002, column dx: more than 1000 distinct labels", 0), 0u)
      << t.status().message();
  auto long_label = Read("image_id,dx\nA," + std::string(kMaxClassNameBytes + 1, 'x') + "\n");
  ASSERT_FALSE(long_label.ok());
  EXPECT_EQ(long_label.status().message(),
            "t.csv: line 2, column dx: the label is longer than 200 characters");
  auto long_column = Read("image," + std::string(kMaxClassNameBytes + 1, 'M') + ",NV\nA,1,0\n");
  ASSERT_FALSE(long_column.ok());
  EXPECT_NE(long_column.status().message().find("class column 2's name is longer than 200"),
            std::string::npos);
}

TEST(LabelTableTest, CustomColumns) {
  TableOptions o;
  o.image_column = "file";
  o.label_column = "class";
  o.attributes = std::vector<std::string>{"site"};
  auto t = Read("file,class,site\na.jpg,b,arm\nc.jpg,a,leg\n", o);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->format, "custom");
  EXPECT_EQ(t->class_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t->rows[1].attributes, (std::vector<std::string>{"leg"}));
}

TEST(ImageMatchTest, FindsImagesByPathStemOrIdAnywhereBelow) {
  auto t = Read("image_id,dx\nISIC_1,nv\npart_2/ISIC_2,mel\nISIC_3.png,nv\n");
  ASSERT_TRUE(t.ok());
  const std::vector<std::string> files = {"part_1/ISIC_1.jpg", "part_2/ISIC_2.JPG", "x/ISIC_3.png",
                                          "notes.txt"};
  auto m = MatchImages(*t, files, "t.csv", "/data");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(*m, (std::vector<size_t>{0, 1, 2}));
}

TEST(ImageMatchTest, RefusesMissingAndAmbiguousImages) {
  auto t = Read("image_id,dx\nISIC_1,nv\n../../etc/passwd,mel\n");
  ASSERT_TRUE(t.ok());
  auto missing = MatchImages(*t, {"ISIC_1.jpg"}, "t.csv", "/data");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "t.csv: line 3, column image_id: image ../../etc/passwd is not in /data (with or without .jpg, "
            ".jpeg, .png or .bmp)");
  auto twice = MatchImages(*t, {"a/ISIC_1.jpg", "b/ISIC_1.png"}, "t.csv", "/data");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("line 2, column image_id: image ISIC_1 matches several files"),
            std::string::npos);
}

}  // namespace
}  // namespace derm::table
